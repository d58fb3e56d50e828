// The audible alert for urgent reports: a short two-tone beep drawn with WebAudio, so no sound
// file is fetched. Browsers allow sound only after the page was used once; the console
// resumes its audio context on the first key or click.
let context = null;
let muted = localStorage.getItem('siaga.muted') === '1';
export let beeps = 0;

export function isMuted() { return muted; }
export function setMuted(next) { muted = next; localStorage.setItem('siaga.muted', next ? '1' : '0'); }

function audio() {
  if (!context && window.AudioContext) context = new AudioContext();
  return context;
}

for (const kind of ['keydown', 'pointerdown']) {
  window.addEventListener(kind, () => { const c = audio(); if (c && c.state === 'suspended') c.resume(); }, { once: true });
}

export function beep() {
  beeps += 1;
  window.siagaBeeps = beeps;
  if (muted) return;
  const c = audio();
  if (!c) return;
  const start = c.currentTime;
  [880, 660, 880].forEach((frequency, index) => {
    const oscillator = c.createOscillator();
    const gain = c.createGain();
    oscillator.frequency.value = frequency;
    gain.gain.setValueAtTime(0.2, start + index * 0.18);
    gain.gain.exponentialRampToValueAtTime(0.001, start + index * 0.18 + 0.16);
    oscillator.connect(gain).connect(c.destination);
    oscillator.start(start + index * 0.18);
    oscillator.stop(start + index * 0.18 + 0.17);
  });
}
