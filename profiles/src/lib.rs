//! H.248 package catalogue and the 3GPP Mp / Iq profiles.
//!
//! - [`catalogue::full`]: every package the project knows, by name and binary
//!   ID: the IANA registry, item-level definitions from Wireshark 4.0.17 and
//!   the 3GPP Mp (TS 29.333) / Iq (TS 29.334) profile packages;
//! - [`profile`]: the Mp and Iq profiles as data and the validation of a
//!   message against one;
//! - [`procedure`]: the stage-2 procedures of the two links (TS 23.333 /
//!   23.334 clause 8) as typed request / reply builders and readers that
//!   check the mandatory information elements;
//! - [`load::load_toml`], [`load::load_file`], [`load::extend_with`]: the TOML
//!   format for package definitions (documented in `packages/README.md`), used
//!   for the shipped data and for users' vendor packages.
#![forbid(unsafe_code)]

pub mod catalogue;
pub mod iana;
pub mod load;
pub mod procedure;
pub mod profile;

pub use catalogue::{full, full_from, text_only_items, BuildError, TextOnlyItem};
pub use load::{extend_with, load_file, load_toml, CatalogueLoadError, ExtendError, Problem};
