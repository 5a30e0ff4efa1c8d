//! Linux kernel formats: the pure parsers.

pub mod parse;
