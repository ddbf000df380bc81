//! One module per subcommand; each owns its arguments, its output and its error.

pub mod code;
