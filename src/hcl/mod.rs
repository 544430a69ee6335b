//! Terraform addresses and byte-exact edits of the AMI values they name: everything amiroll does
//! ends in changing one AMI id inside a file people also edit by hand, so nothing else may move.
//!
//! [`get`] reads the string literal an [`Address`] names; [`set`] splices a new [`AmiId`] literal
//! into the original text (the document is parsed only to locate the literal, never
//! re-serialised); [`write_atomically`] puts the result on disk.
//!
//! [`AmiId`]: crate::ami::AmiId

mod address;
mod edit;
mod error;
mod heredoc;
mod location;
mod resolve;
mod write;

pub use address::{Address, AddressError};
pub use edit::{Edit, Found, get, set};
pub use error::HclError;
pub use location::Location;
pub use write::write_atomically;
