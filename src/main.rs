//! `alexander`: parse the command line, run it, and report a failure as
//! `alexander: <message>` on standard error with exit status 1.

mod admin;
mod cli;
mod commands;
mod config;
mod lifecycle;
mod maintenance;
mod man;
mod master_key;
mod memory;
mod metrics;
mod progress;
mod remote;
mod run;
mod schedule;
mod scrub;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    // Before any thread: the number of arenas is settled as threads start.
    memory::tune();
    let cli = cli::Cli::parse();
    match run::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        // The reader of our output went away (`alexander get … | head`):
        // not a failure of ours.
        Err(e) if run::is_closed_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("alexander: {}", run::message(&e));
            ExitCode::FAILURE
        }
    }
}
