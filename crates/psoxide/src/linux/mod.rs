//! Linux plumbing: file reading and the pure parsers of kernel formats.

pub mod parse;
pub(crate) mod read;
