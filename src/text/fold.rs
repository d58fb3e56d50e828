//! Lowercasing and ASCII folding of one character: accents, ligatures, curly quotes, fullwidth and
//! "fancy font" letters (𝐓𝐨𝐥𝐨𝐧𝐠, common in forwarded WhatsApp chains) become plain ASCII.

/// Appends the lowercase, ASCII-folded form of `character` to `folded`. Combining accents vanish;
/// letters of other scripts are kept lowercased.
pub(crate) fn push_folded(character: char, folded: &mut String) {
    if character.is_ascii() {
        folded.push(character.to_ascii_lowercase());
        return;
    }
    if is_combining_mark(character) {
        return;
    }
    if let Some(plain) = fancy_alphanumeric_to_ascii(character) {
        folded.push(plain.to_ascii_lowercase());
        return;
    }
    for lowercase in character.to_lowercase() {
        match latin_to_ascii(lowercase) {
            Some(ascii) => folded.push_str(ascii),
            None => folded.push(lowercase),
        }
    }
}

/// Lowercase + fold a whole word, with no slang expansion and no stemming.
pub(crate) fn normalize_word(word: &str) -> String {
    let mut folded = String::with_capacity(word.len());
    for character in word.chars() {
        push_folded(character, &mut folded);
    }
    folded
}

/// True for characters that belong inside a word: letters and digits of any script, and the
/// combining accents that decorate them (e + U+0301 must not split a word).
pub(crate) fn is_word_character(character: char) -> bool {
    character.is_alphanumeric() || is_combining_mark(character)
}

fn is_combining_mark(character: char) -> bool {
    matches!(character, '\u{0300}'..='\u{036F}' | '\u{1AB0}'..='\u{1AFF}' | '\u{1DC0}'..='\u{1DFF}' | '\u{20D0}'..='\u{20FF}' | '\u{FE20}'..='\u{FE2F}')
}

/// Fullwidth forms and the Mathematical Alphanumeric Symbols block (bold, italic, script, ...),
/// which WhatsApp "font changer" apps produce.
fn fancy_alphanumeric_to_ascii(character: char) -> Option<char> {
    let code = u32::from(character);
    let ascii_code = match code {
        0xFF01..=0xFF5E => code - 0xFEE0,
        0x1D400..=0x1D6A3 => {
            let index = (code - 0x1D400) % 52;
            if index < 26 {
                u32::from(b'A') + index
            } else {
                u32::from(b'a') + index - 26
            }
        }
        0x1D7CE..=0x1D7FF => u32::from(b'0') + (code - 0x1D7CE) % 10,
        _ => return None,
    };
    char::from_u32(ascii_code)
}

fn latin_to_ascii(lowercase: char) -> Option<&'static str> {
    let ascii = match lowercase {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' | 'ǎ' | 'ạ' | 'ả' | 'ấ' | 'ầ' | 'ẩ'
        | 'ẫ' | 'ậ' | 'ắ' | 'ằ' | 'ẳ' | 'ẵ' | 'ặ' => "a",
        'æ' => "ae",
        'ç' | 'ć' | 'ĉ' | 'ċ' | 'č' => "c",
        'ď' | 'đ' | 'ð' => "d",
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ĕ' | 'ė' | 'ę' | 'ě' | 'ẹ' | 'ẻ' | 'ẽ' | 'ế' | 'ề' | 'ể'
        | 'ễ' | 'ệ' => "e",
        'ĝ' | 'ğ' | 'ġ' | 'ģ' => "g",
        'ĥ' | 'ħ' => "h",
        'ì' | 'í' | 'î' | 'ï' | 'ĩ' | 'ī' | 'ĭ' | 'į' | 'ı' | 'ǐ' | 'ỉ' | 'ị' => "i",
        'ĳ' => "ij",
        'ĵ' => "j",
        'ķ' => "k",
        'ĺ' | 'ļ' | 'ľ' | 'ŀ' | 'ł' => "l",
        'ñ' | 'ń' | 'ņ' | 'ň' | 'ŉ' => "n",
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ŏ' | 'ő' | 'ǒ' | 'ọ' | 'ỏ' | 'ố' | 'ồ' | 'ổ'
        | 'ỗ' | 'ộ' | 'ơ' | 'ớ' | 'ờ' | 'ở' | 'ỡ' | 'ợ' => "o",
        'œ' => "oe",
        'ŕ' | 'ŗ' | 'ř' => "r",
        'ś' | 'ŝ' | 'ş' | 'š' | 'ș' => "s",
        'ß' => "ss",
        'ţ' | 'ť' | 'ŧ' | 'ț' => "t",
        'þ' => "th",
        'ù' | 'ú' | 'û' | 'ü' | 'ũ' | 'ū' | 'ŭ' | 'ů' | 'ű' | 'ų' | 'ǔ' | 'ụ' | 'ủ' | 'ư' | 'ứ'
        | 'ừ' | 'ử' | 'ữ' | 'ự' => "u",
        'ŵ' => "w",
        'ý' | 'ÿ' | 'ŷ' | 'ỳ' | 'ỵ' | 'ỷ' | 'ỹ' => "y",
        'ź' | 'ż' | 'ž' => "z",
        // Punctuation look-alikes: they separate words anyway, but normalize_word folds them too.
        '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}' | '\u{2032}' | '\u{00B4}' => "'",
        '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{201F}' | '\u{2033}' | '\u{00AB}'
        | '\u{00BB}' => "\"",
        '\u{2010}'..='\u{2015}' | '\u{2212}' => "-",
        '\u{2026}' => "...",
        '\u{00A0}' | '\u{2000}'..='\u{200A}' | '\u{202F}' | '\u{205F}' | '\u{3000}' => " ",
        '²' => "2",
        '³' => "3",
        '¹' => "1",
        _ => return None,
    };
    Some(ascii)
}
