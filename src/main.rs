//! Thin entry point: parse the command line, run it, print any error as one
//! line. The app itself lives in the library so tests can reach it.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    // No panic reaches a user as a backtrace (issue 11): sled, for one,
    // panics when the disk fails an fsync while it closes the store, after
    // everything acknowledged was saved. One line says what happened;
    // CASEBOOK_DEBUG keeps the full report for whoever debugs it.
    if std::env::var_os("CASEBOOK_DEBUG").is_none() {
        std::panic::set_hook(Box::new(|info| {
            let what = info
                .payload()
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| info.payload().downcast_ref::<&str>().copied())
                .unwrap_or("an internal error");
            eprintln!(
                "casebook: stopped by an internal error ({}); what was saved before is kept: run `casebook verify`",
                casebook::text::one_line(what)
            );
        }));
    }
    let cli = casebook::cli::Cli::parse();
    match casebook::cli::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        // The reader of our output went away (`casebook list | head`): end
        // quietly, as other command-line tools do.
        Err(e)
            if e.chain().any(|c| {
                c.downcast_ref::<std::io::Error>().is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            }) =>
        {
            ExitCode::from(141)
        }
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
