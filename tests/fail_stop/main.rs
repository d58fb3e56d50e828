//! Fail-stop for storage, fail-safe for everything else, as Meta and an operator see it: a
//! delivery that makes intake panic fails neither its neighbours nor the ingest thread and is
//! quarantined once it proves poison (`poison`); a failed fsync stops every acknowledgement,
//! turns `/readyz` red and ends the process non-zero (`fsync`); the ingest and flush threads are
//! on the board of `/readyz` and `/metrics` (`liveness`). The faults are injected through the
//! hidden test settings (`--fault-panic-on-text`, `--fault-fsync-trigger`).

#[path = "../common/mod.rs"]
mod common;
mod fsync;
mod liveness;
mod poison;

use serde_json::Value;
use siaga::domain::phone::PhoneNumber;
use siaga::whatsapp::payload::{self, Citizen};

/// The text the injected fault panics on.
pub const POISON_TEXT: &str = "teks yang membuat intake panik";

/// A signed-ready text message from citizen `index`.
pub fn text_from(index: usize, wamid: &str, text: &str) -> Value {
    let citizen = Citizen {
        phone: PhoneNumber::parse(&format!("0815{index:08}")).unwrap(),
        name: format!("Warga {index}"),
    };
    payload::text_message(&citizen, wamid, chrono::Utc::now().timestamp(), text)
}

/// `/readyz`'s entry for the worker or thread `name`.
pub fn board_entry(ready: &Value, name: &str) -> Value {
    ready["workers"]
        .as_array()
        .expect("a list of workers")
        .iter()
        .find(|worker| worker["name"] == name)
        .cloned()
        .unwrap_or_else(|| panic!("{name} is not on the board: {ready}"))
}
