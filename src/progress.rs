//! How a long pass (gc, compact, fsck) shows its progress on standard
//! error: a bar when standard error is a terminal, plain lines otherwise
//! (a log, a pipe, a test). The same display serves a command run here and
//! one run in a server, whose progress comes back as frames of [`Report`].

use std::io::{IsTerminal, Write};

use alexander_store::Progress;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde::{Deserialize, Serialize};

/// A progress report as it travels over the admin socket.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Report {
    Waiting {
        task: String,
    },
    Step {
        task: String,
        unit: String,
        done: u64,
        total: Option<u64>,
    },
}

impl From<Progress> for Report {
    fn from(p: Progress) -> Report {
        match p {
            Progress::Waiting { task } => Report::Waiting {
                task: task.to_owned(),
            },
            Progress::Step {
                task,
                unit,
                done,
                total,
            } => Report::Step {
                task: task.to_owned(),
                unit: unit.to_owned(),
                done,
                total,
            },
        }
    }
}

/// The display of one command's progress.
pub struct Display {
    terminal: bool,
    bar: Option<ProgressBar>,
    /// The task, tenth of the way and count last printed as a line: a line
    /// per tenth keeps a log short whatever the size of the store.
    last_line: Option<(String, u64, u64)>,
}

impl Default for Display {
    fn default() -> Self {
        Display::new()
    }
}

impl Display {
    pub fn new() -> Display {
        Display {
            terminal: std::io::stderr().is_terminal(),
            bar: None,
            last_line: None,
        }
    }

    pub fn show(&mut self, report: &Report) {
        match report {
            Report::Waiting { task } => {
                self.clear();
                eprintln!("{task}: waiting for the {task} already running");
            }
            Report::Step {
                task,
                unit,
                done,
                total,
            } => {
                if self.terminal {
                    self.draw(task, unit, *done, *total);
                } else {
                    self.line(task, unit, *done, *total);
                }
            }
        }
    }

    fn draw(&mut self, task: &str, unit: &str, done: u64, total: Option<u64>) {
        let bar = self.bar.get_or_insert_with(|| {
            let bar = ProgressBar::with_draw_target(total, ProgressDrawTarget::stderr());
            let template = if total.is_some() {
                "{msg} [{bar:30}] {pos}/{len} ({eta})"
            } else {
                "{msg} {pos}"
            };
            if let Ok(style) = ProgressStyle::with_template(template) {
                bar.set_style(style.progress_chars("=> "));
            }
            bar
        });
        bar.set_message(format!("{task}: {unit}"));
        if let Some(t) = total {
            bar.set_length(t);
        }
        bar.set_position(done);
    }

    fn line(&mut self, task: &str, unit: &str, done: u64, total: Option<u64>) {
        let tenth = match total {
            Some(0) | None => done,
            Some(t) => done.saturating_mul(10) / t,
        };
        let end = total == Some(done);
        if let Some((t, last_tenth, last_done)) = &self.last_line
            && t == task
            && (*last_done == done || (*last_tenth == tenth && !end))
        {
            return;
        }
        self.last_line = Some((task.to_owned(), tenth, done));
        let mut err = std::io::stderr().lock();
        // Progress is a courtesy: a closed standard error stops nothing.
        let _ = match total {
            Some(t) => writeln!(err, "{task}: {done}/{t} {unit}"),
            None => writeln!(err, "{task}: {done} {unit}"),
        };
    }

    /// Takes the bar off the terminal (before the command's own output).
    pub fn clear(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}

impl Drop for Display {
    fn drop(&mut self) {
        self.clear();
    }
}
