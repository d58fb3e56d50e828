//! siaga: a WhatsApp help line server for a police command center.

pub mod domain;
pub mod store;
pub mod whatsapp;
