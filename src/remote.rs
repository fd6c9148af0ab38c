//! A whole command run in the server that holds the store: the client
//! sends the parsed command, the server runs the same function on its own
//! open store that the command runs offline (`commands::execute`), and the
//! command's output, progress and outcome stream back. So every command,
//! and every command added later, gives the same output and exit status
//! with a server as without one.
//!
//! # Frames
//!
//! After the hello (`admin.rs`), each side sends frames: a kind byte, the
//! payload's length as 4 bytes big-endian, and the payload, at most
//! [`MAX_FRAME`] bytes. A side that reads a larger length, or a kind it
//! does not expect, closes the connection.
//!
//! ```text
//! client → server   R  the command: JSON of cli::StoreCommand (first and once)
//!                   I  input bytes (put: the file or standard input, read by the client)
//!                   E  end of input (empty)
//!                   X  the input could not be read: the message (UTF-8)
//! server → client   O  standard output bytes
//!                   P  progress: JSON of progress::Report
//!                   Z  the end: JSON {"error": null | "message"}, then the server closes
//! ```
//!
//! Memory is bounded on both sides whatever the size of the data: a frame
//! is read into one buffer, and a side that does not read stops the other
//! through the socket's own flow control. The input must end with `E`: a
//! connection that closes before it (a client killed mid-`put`) is an
//! error to the command, so a truncated object is never committed. A
//! client that goes away makes the command's next write fail, and a long
//! pass's next progress report ask it to stop at a step boundary.

use std::io::{self, BufReader, BufWriter, Read, Write};
use std::os::unix::net::UnixStream;
use std::path::Path;

use alexander_s3::iam::Iam;
use alexander_store::{Progress, Store};
use anyhow::{Context, Result, anyhow, bail};
use serde::{Deserialize, Serialize};

use crate::cli::StoreCommand;
use crate::commands::{self, Console};
use crate::progress::{Display, Report};

/// The version of this protocol, said in the hello.
pub const VERSION: u32 = 2;
/// The largest payload of a frame.
pub const MAX_FRAME: usize = 256 << 10;

const RUN: u8 = b'R';
const INPUT: u8 = b'I';
const INPUT_END: u8 = b'E';
const INPUT_ERROR: u8 = b'X';
const STDOUT: u8 = b'O';
const PROGRESS: u8 = b'P';
const EXIT: u8 = b'Z';

/// How a command ended.
#[derive(Debug, Serialize, Deserialize)]
struct Exit {
    /// The message `alexander: …` would print offline, if it failed.
    error: Option<String>,
}

fn write_frame(mut w: impl Write, kind: u8, payload: &[u8]) -> io::Result<()> {
    debug_assert!(payload.len() <= MAX_FRAME);
    let mut head = [0u8; 5];
    head[0] = kind;
    head[1..].copy_from_slice(&(payload.len() as u32).to_be_bytes());
    w.write_all(&head)?;
    w.write_all(payload)?;
    w.flush()
}

/// Reads a frame into `buf`; `None` when the connection ended between
/// frames.
fn read_frame(mut r: impl Read, buf: &mut Vec<u8>) -> io::Result<Option<u8>> {
    let mut head = [0u8; 5];
    match r.read_exact(&mut head[..1]) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(e) => return Err(e),
    }
    r.read_exact(&mut head[1..])?;
    let len = u32::from_be_bytes(head[1..].try_into().expect("4 bytes")) as usize;
    if len > MAX_FRAME {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("admin frame of {len} bytes (at most {MAX_FRAME})"),
        ));
    }
    buf.resize(len, 0);
    r.read_exact(buf)?;
    Ok(Some(head[0]))
}

// ---- client -------------------------------------------------------------

/// Runs `command` in the server at the other end of `stream` (fresh from
/// `admin::connect`), printing its output on `out` and its progress on
/// standard error; fails as the command failed.
pub fn run(
    stream: UnixStream,
    data_dir: &Path,
    command: StoreCommand,
    out: &mut impl Write,
) -> Result<()> {
    crate::admin::hello(&stream, data_dir)?;
    // The client reads the input, with its own permissions, before the
    // server is asked anything: a missing file fails as it does offline.
    let input = match &command {
        StoreCommand::Put(args) => Some(commands::open_input(args.file.as_deref())?),
        _ => None,
    };
    let mut w = stream.try_clone()?;
    write_frame(&mut w, RUN, &serde_json::to_vec(&command)?)
        .context("cannot send the command to the server")?;
    if let Some(input) = input {
        // Sent from a thread of its own while this one reads the answer:
        // a server that fails early (no such bucket) stops reading, and
        // its answer must still get through.
        std::thread::spawn(move || send_input(input, w));
    }
    let mut reader = BufReader::with_capacity(64 << 10, &stream);
    let mut buf = Vec::new();
    let mut shown = Display::new();
    loop {
        let kind = read_frame(&mut reader, &mut buf).context("lost the admin connection")?;
        match kind {
            Some(STDOUT) => {
                shown.clear();
                // A bare io::Error, so that main can tell a closed pipe.
                out.write_all(&buf)?;
            }
            Some(PROGRESS) => {
                let report: Report =
                    serde_json::from_slice(&buf).context("a progress frame not understood")?;
                shown.show(&report);
            }
            Some(EXIT) => {
                shown.clear();
                let exit: Exit =
                    serde_json::from_slice(&buf).context("the server's answer not understood")?;
                out.flush()?;
                return match exit.error {
                    None => Ok(()),
                    Some(message) => Err(anyhow!(message)),
                };
            }
            Some(other) => bail!("the server sent an unknown admin frame {other:#04x}"),
            None => bail!(
                "the server closed the admin connection before the command finished (its log \
                 may say why)"
            ),
        }
    }
}

/// Sends the input as frames, then its end; or, if it cannot be read, why.
fn send_input(mut input: Box<dyn Read + Send>, stream: UnixStream) {
    let mut w = BufWriter::with_capacity(MAX_FRAME + 5, stream);
    let mut buf = vec![0u8; MAX_FRAME];
    loop {
        let sent = match input.read(&mut buf) {
            Ok(0) => write_frame(&mut w, INPUT_END, &[]).map(|()| false),
            Ok(n) => write_frame(&mut w, INPUT, &buf[..n]).map(|()| true),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => Ok(true),
            Err(e) => write_frame(&mut w, INPUT_ERROR, e.to_string().as_bytes()).map(|()| false),
        };
        // An error here means the server has stopped reading: its answer
        // says why.
        if !matches!(sent, Ok(true)) {
            return;
        }
    }
}

// ---- server -------------------------------------------------------------

/// Runs the command a client sends on `stream` (after its hello) against
/// the server's store, on the calling (blocking) thread; `changed` is
/// called after a command that may have changed objects or buckets ran,
/// whether or not it succeeded (it may have done part of its work).
pub fn serve(
    stream: UnixStream,
    store: &Store,
    iam: &Iam,
    ctx: &crate::config::MaintenanceSettings,
    changed: Option<&(dyn Fn() + Send + Sync)>,
) {
    let mut reader = BufReader::with_capacity(64 << 10, &stream);
    let mut buf = Vec::new();
    let command = match read_frame(&mut reader, &mut buf) {
        Ok(Some(RUN)) => serde_json::from_slice::<StoreCommand>(&buf)
            .map_err(|e| anyhow!("not a command this server knows: {e}")),
        Ok(Some(other)) => Err(anyhow!("expected the command, got frame {other:#04x}")),
        Ok(None) => return,
        Err(e) => Err(anyhow!("reading the command: {e}")),
    };
    let command = match command {
        Ok(c) => c,
        Err(e) => {
            tracing::info!("admin: {e}");
            let _ = finish(&stream, Err(e));
            return;
        }
    };
    let what = describe(&command);
    let changes = changes_objects(&command);
    let mut con = Remote {
        out: FrameWriter {
            stream: &stream,
            buf: Vec::with_capacity(64 << 10),
        },
        input: reader,
        progress_gone: false,
    };
    let result = commands::execute(store, &|| Ok(iam.clone()), ctx, command, &mut con);
    if changes && let Some(changed) = changed {
        changed();
    }
    let result = result.and_then(|()| Ok(con.out.flush()?));
    match &result {
        Ok(()) => tracing::info!("admin: {what}"),
        Err(e) => tracing::info!("admin: {what}: {}", crate::run::message(e)),
    }
    if let Err(e) = finish(&stream, result) {
        tracing::debug!("admin: {what}: the client went away: {e}");
    }
}

/// Whether `command` may change what a bucket holds or which buckets
/// exist (users, keys and the upkeep's commands do not).
fn changes_objects(command: &StoreCommand) -> bool {
    match command {
        StoreCommand::Bucket(_)
        | StoreCommand::Put(_)
        | StoreCommand::Rm(_)
        | StoreCommand::Mv(_)
        | StoreCommand::Snapshot(_)
        | StoreCommand::Lifecycle(_) => true,
        StoreCommand::User(_)
        | StoreCommand::Key(_)
        | StoreCommand::Get(_)
        | StoreCommand::Ls(_)
        | StoreCommand::Stats(_)
        | StoreCommand::Gc(_)
        | StoreCommand::Compact(_)
        | StoreCommand::Fsck(_)
        | StoreCommand::Scrub(_) => false,
    }
}

/// Sends how the command ended.
fn finish(stream: &UnixStream, result: Result<()>) -> io::Result<()> {
    let exit = Exit {
        error: result.err().map(|e| crate::run::message(&e)),
    };
    let payload = serde_json::to_vec(&exit).map_err(io::Error::other)?;
    write_frame(stream, EXIT, &payload)
}

/// The command's name for the log, without its arguments (keys and file
/// names are the client's business).
fn describe(command: &StoreCommand) -> String {
    match serde_json::to_value(command) {
        Ok(serde_json::Value::Object(map)) => {
            let mut name = String::new();
            let mut value = serde_json::Value::Object(map);
            // Externally tagged: {"Bucket": {"List": {...}}} → "bucket list".
            while let serde_json::Value::Object(m) = value {
                let Some((k, v)) = m.into_iter().next() else {
                    break;
                };
                if !k.chars().next().is_some_and(char::is_uppercase) {
                    break;
                }
                if !name.is_empty() {
                    name.push(' ');
                }
                name.push_str(&k.to_lowercase());
                value = v;
            }
            name
        }
        Ok(serde_json::Value::String(s)) => s.to_lowercase(),
        _ => "a command".to_owned(),
    }
}

/// The console of a command run for a client.
struct Remote<'a> {
    out: FrameWriter<'a>,
    input: BufReader<&'a UnixStream>,
    /// Whether a progress frame failed: the client is gone.
    progress_gone: bool,
}

impl Console for Remote<'_> {
    fn out(&mut self) -> &mut dyn Write {
        &mut self.out
    }

    fn input(&mut self, _file: Option<&Path>) -> Result<Box<dyn Read + '_>> {
        // The client opened the file (or its standard input) and sends it.
        Ok(Box::new(FrameInput {
            reader: &mut self.input,
            buf: Vec::new(),
            at: 0,
            ended: false,
        }))
    }

    fn progress(&mut self, p: Progress) -> bool {
        if self.progress_gone {
            return false;
        }
        let report = Report::from(p);
        let sent = serde_json::to_vec(&report)
            .map_err(io::Error::other)
            .and_then(|payload| write_frame(self.out.stream, PROGRESS, &payload));
        if let Err(e) = sent {
            tracing::info!("admin: the client went away ({e}); stopping at the next step");
            self.progress_gone = true;
        }
        !self.progress_gone
    }
}

/// Standard output as `O` frames, sent as each fills up and at a flush.
struct FrameWriter<'a> {
    stream: &'a UnixStream,
    buf: Vec<u8>,
}

impl Write for FrameWriter<'_> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let room = MAX_FRAME - self.buf.len();
        let n = data.len().min(room);
        self.buf.extend_from_slice(&data[..n]);
        if self.buf.len() >= 64 << 10 {
            self.flush()?;
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        if !self.buf.is_empty() {
            write_frame(self.stream, STDOUT, &self.buf)?;
            self.buf.clear();
        }
        Ok(())
    }
}

/// The input the client sends, as a reader: `I` frames until `E`.
struct FrameInput<'a, 'b> {
    reader: &'a mut BufReader<&'b UnixStream>,
    buf: Vec<u8>,
    at: usize,
    ended: bool,
}

/// Why a put fed through the socket failed when its client vanished.
const GONE: &str = "the client went away before the end of its input";

impl Read for FrameInput<'_, '_> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        while self.at == self.buf.len() {
            if self.ended {
                return Ok(0);
            }
            self.at = 0;
            // The client may die mid-frame as well as between frames;
            // either way its input ended early.
            let frame = read_frame(&mut *self.reader, &mut self.buf).map_err(|e| {
                if e.kind() == io::ErrorKind::UnexpectedEof {
                    io::Error::new(io::ErrorKind::UnexpectedEof, GONE)
                } else {
                    e
                }
            })?;
            match frame {
                Some(INPUT) => {}
                Some(INPUT_END) => {
                    self.ended = true;
                    self.buf.clear();
                }
                Some(INPUT_ERROR) => {
                    let message = String::from_utf8_lossy(&self.buf).into_owned();
                    self.buf.clear();
                    return Err(io::Error::other(message));
                }
                Some(other) => {
                    self.buf.clear();
                    return Err(io::Error::new(
                        io::ErrorKind::InvalidData,
                        format!("expected input, got admin frame {other:#04x}"),
                    ));
                }
                None => {
                    self.buf.clear();
                    return Err(io::Error::new(io::ErrorKind::UnexpectedEof, GONE));
                }
            }
        }
        let n = out.len().min(self.buf.len() - self.at);
        out[..n].copy_from_slice(&self.buf[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::GcArgs;

    #[test]
    fn frames_round_trip_and_bound_their_size() {
        let mut wire = Vec::new();
        write_frame(&mut wire, INPUT, b"abc").unwrap();
        write_frame(&mut wire, INPUT_END, b"").unwrap();
        assert_eq!(&wire[..8], b"I\0\0\0\x03abc");
        let mut r = &wire[..];
        let mut buf = Vec::new();
        assert_eq!(read_frame(&mut r, &mut buf).unwrap(), Some(INPUT));
        assert_eq!(buf, b"abc");
        assert_eq!(read_frame(&mut r, &mut buf).unwrap(), Some(INPUT_END));
        assert_eq!(read_frame(&mut r, &mut buf).unwrap(), None);
        // A length past the bound is refused before anything is allocated.
        let huge = [b'O', 0xff, 0xff, 0xff, 0xff];
        let err = read_frame(&huge[..], &mut buf).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidData);
        // A frame cut short is an error, not an end.
        let cut = &wire[..6];
        assert!(read_frame(cut, &mut buf).is_err());
    }

    #[test]
    fn input_cut_inside_a_frame_or_between_frames_says_the_client_went_away() {
        let mut whole = Vec::new();
        write_frame(&mut whole, INPUT, &[7u8; 100]).unwrap();
        write_frame(&mut whole, INPUT, &[8u8; 100]).unwrap();
        // Cut between the two frames, inside the second's head, and inside
        // its payload: the reader gets the first frame, then the same error.
        for cut in [105, 107, 150] {
            let (mut client, server) = UnixStream::pair().unwrap();
            client.write_all(&whole[..cut]).unwrap();
            drop(client);
            let mut reader = BufReader::new(&server);
            let mut input = FrameInput {
                reader: &mut reader,
                buf: Vec::new(),
                at: 0,
                ended: false,
            };
            let mut got = Vec::new();
            let err = input.read_to_end(&mut got).unwrap_err();
            assert_eq!(got, [7u8; 100], "cut at {cut}");
            assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof, "cut at {cut}");
            assert_eq!(err.to_string(), GONE, "cut at {cut}");
        }
    }

    #[test]
    fn commands_are_named_for_the_log() {
        use crate::cli::BucketCommand;
        assert_eq!(
            describe(&StoreCommand::Bucket(BucketCommand::List { json: false })),
            "bucket list"
        );
        assert_eq!(
            describe(&StoreCommand::Gc(GcArgs {
                dry_run: false,
                json: true
            })),
            "gc"
        );
    }
}
