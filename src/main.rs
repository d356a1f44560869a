//! Thin entry point: parse the command line, run it, print any error as one
//! line. The app itself lives in the library so tests can reach it.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = casebook::cli::Cli::parse();
    match casebook::cli::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // One clear line: the outermost message, plus its cause if that adds anything.
            let mut line = e.to_string();
            if let Some(cause) = e.chain().nth(1) {
                let cause = cause.to_string();
                if !line.contains(&cause) {
                    line = format!("{line}: {cause}");
                }
            }
            // Errors can echo what someone typed: one line, made safe (PRODUCT.md 7d).
            eprintln!("casebook: {}", casebook::text::one_line(&line));
            ExitCode::FAILURE
        }
    }
}
