//! The `plan` command line: a thin front end over the `plan` library.

mod cli;
mod export;

fn main() {
    std::process::exit(cli::main());
}
