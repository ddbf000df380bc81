//! HTTP handlers, one module per audience. They parse, authorize and call
//! `rules` and `store`; the protocol's rules live there, not here.

pub mod admin;
pub mod device;
pub mod diagnostics;
pub mod portal;
pub mod relying_party;
