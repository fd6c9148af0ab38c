//! A streaming `multipart/form-data` reader for browser uploads
//! (PostObject).
//!
//! S3's form puts the `file` field last and ignores anything after it, so
//! the reader hands out the fields before the file one by one, each read
//! whole but all of them together bounded by [`MAX_PRE_DATA`] (S3's limit on
//! what precedes the file, `MaxPostPreDataLengthExceededError`), and then
//! turns into a [`FileBody`]: a request body of the file's bytes alone,
//! which the upload pipeline reads like any PUT body, without the file ever
//! being held whole. What follows the file's closing delimiter is not read.
//!
//! The delimiter is `CRLF--boundary` (RFC 2046); the reader starts with a
//! CRLF of its own in front of the body so that the first boundary, at the
//! very start, is found like the others. A delimiter may be split across
//! any number of the transport's frames: the file body keeps back the last
//! `delimiter length - 1` bytes until it knows they do not start one.

use std::pin::Pin;
use std::task::{Context, Poll, ready};

use bytes::{Buf, Bytes, BytesMut};
use http_body::{Body, Frame};
use http_body_util::BodyExt;

use crate::error::{S3Error, S3ErrorCode};
use crate::s3_error;
use crate::server::RequestBody;

/// Bytes of the form before the file's content: S3 refuses a form whose
/// fields before the file exceed 20 KiB.
pub const MAX_PRE_DATA: usize = 20 * 1024;

/// RFC 2046: a boundary is 1 to 70 characters.
const MAX_BOUNDARY: usize = 70;

/// The boundary named by a `multipart/form-data` Content-Type, if the type
/// is that and the boundary is well formed.
pub fn boundary(content_type: &str) -> Option<String> {
    let mut params = content_type.split(';');
    let mime = params.next()?.trim();
    if !mime.eq_ignore_ascii_case("multipart/form-data") {
        return None;
    }
    for param in params {
        let Some((name, value)) = param.split_once('=') else {
            continue;
        };
        if !name.trim().eq_ignore_ascii_case("boundary") {
            continue;
        }
        let value = value.trim();
        let value = value
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .unwrap_or(value);
        let ok = (1..=MAX_BOUNDARY).contains(&value.len())
            && value.bytes().all(|b| b.is_ascii_graphic() || b == b' ')
            && !value.ends_with(' ');
        return ok.then(|| value.to_owned());
    }
    None
}

fn malformed(detail: &str) -> S3Error {
    S3Error::new(
        S3ErrorCode::MalformedPOSTRequest,
        format!("The body of your POST request is not well-formed multipart/form-data: {detail}"),
    )
}

fn too_much() -> S3Error {
    S3Error::new(
        S3ErrorCode::MaxPostPreDataLengthExceededError,
        "Your POST request fields preceding the upload file were too large.",
    )
    .with_field("MaxPostPreDataLengthBytes", MAX_PRE_DATA.to_string())
}

/// One part of the form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Part {
    /// A field before the file, read whole.
    Field { name: String, value: String },
    /// The `file` field: its content is read through [`FormReader::into_file`].
    File { filename: Option<String> },
}

/// Reads the parts of a form up to its file.
pub struct FormReader {
    body: RequestBody,
    buf: BytesMut,
    /// `CRLF--boundary`.
    delimiter: Vec<u8>,
    /// The body has no more frames.
    ended: bool,
    /// Bytes the parts before the file may still take.
    budget: usize,
    /// The first delimiter has been passed.
    started: bool,
}

impl FormReader {
    pub fn new(body: RequestBody, boundary: &str) -> FormReader {
        let mut delimiter = b"\r\n--".to_vec();
        delimiter.extend_from_slice(boundary.as_bytes());
        let mut buf = BytesMut::with_capacity(4096);
        buf.extend_from_slice(b"\r\n");
        FormReader {
            body,
            buf,
            delimiter,
            ended: false,
            // The CRLF put in front is not the client's.
            budget: MAX_PRE_DATA + 2,
            started: false,
        }
    }

    /// Reads one more frame into the buffer; false at the body's end.
    async fn fill(&mut self) -> Result<bool, S3Error> {
        while !self.ended {
            match self.body.frame().await {
                None => self.ended = true,
                Some(Ok(frame)) => {
                    if let Ok(data) = frame.into_data()
                        && !data.is_empty()
                    {
                        self.buf.extend_from_slice(&data);
                        return Ok(true);
                    }
                }
                Some(Err(e)) => {
                    return Err(s3_error!(
                        IncompleteBody,
                        "The request body ended early: request body: {e}"
                    ));
                }
            }
        }
        Ok(false)
    }

    /// Counts `n` bytes against the budget.
    fn charge(&mut self, n: usize) -> Result<(), S3Error> {
        self.budget = self.budget.checked_sub(n).ok_or_else(too_much)?;
        Ok(())
    }

    /// Makes sure `n` bytes are buffered.
    async fn need(&mut self, n: usize) -> Result<(), S3Error> {
        while self.buf.len() < n {
            if !self.fill().await? {
                return Err(malformed("the body ended inside a part"));
            }
        }
        Ok(())
    }

    /// Takes the bytes up to `pattern` and drops the pattern.
    async fn take_until(&mut self, pattern: &[u8]) -> Result<BytesMut, S3Error> {
        let mut from = 0;
        loop {
            if let Some(i) = find(&self.buf[from..], pattern) {
                let i = from + i;
                self.charge(i + pattern.len())?;
                let out = self.buf.split_to(i);
                self.buf.advance(pattern.len());
                return Ok(out);
            }
            if self.buf.len() > self.budget + pattern.len() {
                return Err(too_much());
            }
            from = self.buf.len().saturating_sub(pattern.len() - 1);
            if !self.fill().await? {
                return Err(malformed("the body ended before the closing boundary"));
            }
        }
    }

    /// The next part; `None` after the closing delimiter.
    pub async fn next_part(&mut self) -> Result<Option<Part>, S3Error> {
        if !self.started {
            // The preamble, if any, is ignored.
            let delimiter = self.delimiter.clone();
            self.take_until(&delimiter).await?;
            self.started = true;
        }
        self.need(2).await?;
        if &self.buf[..2] == b"--" {
            return Ok(None);
        }
        // Transport padding, then the line end.
        loop {
            self.need(1).await?;
            if !matches!(self.buf[0], b' ' | b'\t') {
                break;
            }
            self.charge(1)?;
            self.buf.advance(1);
        }
        self.need(2).await?;
        if &self.buf[..2] != b"\r\n" {
            return Err(malformed("a boundary is not followed by a line end"));
        }
        self.charge(2)?;
        self.buf.advance(2);
        self.need(2).await?;
        let head = if &self.buf[..2] == b"\r\n" {
            self.charge(2)?;
            self.buf.advance(2);
            BytesMut::new()
        } else {
            self.take_until(b"\r\n\r\n").await?
        };
        let (name, filename) = part_head(&head)?;
        if name.eq_ignore_ascii_case("file") {
            return Ok(Some(Part::File { filename }));
        }
        let delimiter = self.delimiter.clone();
        let value = self.take_until(&delimiter).await?;
        let value = String::from_utf8(value.to_vec())
            .map_err(|_| malformed(&format!("the value of field {name:?} is not UTF-8")))?;
        Ok(Some(Part::Field { name, value }))
    }

    /// The content of the file part [`next_part`](Self::next_part) just
    /// returned, as a body that streams it.
    pub fn into_file(self) -> FileBody {
        FileBody {
            body: self.body,
            buf: self.buf,
            delimiter: self.delimiter,
            ended: self.ended,
            done: false,
        }
    }
}

/// A part's `Content-Disposition: form-data; name="…"; filename="…"`.
fn part_head(head: &[u8]) -> Result<(String, Option<String>), S3Error> {
    let head =
        std::str::from_utf8(head).map_err(|_| malformed("a part's headers are not UTF-8"))?;
    for line in head.split("\r\n") {
        let Some((name, value)) = line.split_once(':') else {
            return Err(malformed("a part's header line has no colon"));
        };
        if !name.trim().eq_ignore_ascii_case("content-disposition") {
            continue;
        }
        let mut params = value.split(';');
        let kind = params.next().unwrap_or("").trim();
        if !kind.eq_ignore_ascii_case("form-data") {
            return Err(malformed("a part is not form-data"));
        }
        let mut field = None;
        let mut filename = None;
        for param in params {
            let Some((k, v)) = param.split_once('=') else {
                continue;
            };
            let v = v.trim();
            let v = v
                .strip_prefix('"')
                .and_then(|v| v.strip_suffix('"'))
                .unwrap_or(v);
            match k.trim().to_ascii_lowercase().as_str() {
                "name" => field = Some(v.to_owned()),
                "filename" => filename = Some(v.to_owned()),
                _ => {}
            }
        }
        return match field {
            Some(name) if !name.is_empty() => Ok((name, filename)),
            _ => Err(malformed("a part has no field name")),
        };
    }
    Err(malformed("a part has no Content-Disposition"))
}

/// Where `needle` first occurs in `hay`.
fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    let first = *needle.first()?;
    let mut from = 0;
    while let Some(p) = hay.get(from..)?.iter().position(|&b| b == first) {
        let i = from + p;
        let end = i + needle.len();
        if end > hay.len() {
            return None;
        }
        if &hay[i..end] == needle {
            return Some(i);
        }
        from = i + 1;
    }
    None
}

/// The file part's content, streamed from the request body up to the
/// delimiter that ends it.
pub struct FileBody {
    body: RequestBody,
    /// Bytes read and not handed out: never more than one frame and a
    /// delimiter.
    buf: BytesMut,
    delimiter: Vec<u8>,
    ended: bool,
    /// The delimiter was found: the file is over.
    done: bool,
}

impl Body for FileBody {
    type Data = Bytes;
    type Error = Box<dyn std::error::Error + Send + Sync>;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let this = self.get_mut();
        loop {
            if this.done {
                return Poll::Ready(None);
            }
            if let Some(i) = find(&this.buf, &this.delimiter) {
                this.done = true;
                let data = this.buf.split_to(i).freeze();
                this.buf.clear();
                return Poll::Ready((!data.is_empty()).then(|| Ok(Frame::data(data))));
            }
            // What cannot be the start of a delimiter is the file's.
            let keep = this.delimiter.len() - 1;
            if this.buf.len() > keep {
                let safe = this.buf.len() - keep;
                return Poll::Ready(Some(Ok(Frame::data(this.buf.split_to(safe).freeze()))));
            }
            if this.ended {
                return Poll::Ready(Some(Err(
                    "the form ended before the file's closing boundary".into(),
                )));
            }
            match ready!(Pin::new(&mut this.body).poll_frame(cx)) {
                None => this.ended = true,
                Some(Ok(frame)) => {
                    if let Ok(data) = frame.into_data() {
                        this.buf.extend_from_slice(&data);
                    }
                }
                Some(Err(e)) => return Poll::Ready(Some(Err(e))),
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.done
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::StreamBody;
    use proptest::prelude::*;

    const B: &str = "----WebKitFormBoundary7MA4YWxkTrZu0gW";

    fn body_of(pieces: Vec<Vec<u8>>) -> RequestBody {
        let frames = pieces.into_iter().map(|p| {
            Ok::<_, Box<dyn std::error::Error + Send + Sync>>(Frame::data(Bytes::from(p)))
        });
        StreamBody::new(futures_util::stream::iter(frames)).boxed_unsync()
    }

    fn form(fields: &[(&str, &str)], file: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        for (n, v) in fields {
            out.extend_from_slice(
                format!("--{B}\r\nContent-Disposition: form-data; name=\"{n}\"\r\n\r\n{v}\r\n")
                    .as_bytes(),
            );
        }
        out.extend_from_slice(
            format!(
                "--{B}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n\
                 Content-Type: text/plain\r\n\r\n"
            )
            .as_bytes(),
        );
        out.extend_from_slice(file);
        out.extend_from_slice(format!("\r\n--{B}--\r\n").as_bytes());
        out
    }

    /// Reads a form: its fields, the file's filename and content.
    async fn read(
        body: RequestBody,
    ) -> Result<(Vec<(String, String)>, Option<String>, Vec<u8>), S3Error> {
        let mut r = FormReader::new(body, B);
        let mut fields = Vec::new();
        loop {
            match r.next_part().await? {
                None => return Err(malformed("no file")),
                Some(Part::Field { name, value }) => fields.push((name, value)),
                Some(Part::File { filename }) => {
                    let mut file = r.into_file();
                    let mut content = Vec::new();
                    while let Some(frame) = file.frame().await {
                        let frame = frame.map_err(|e| malformed(&e.to_string()))?;
                        content.extend_from_slice(frame.data_ref().unwrap());
                    }
                    return Ok((fields, filename, content));
                }
            }
        }
    }

    fn run<T>(f: impl std::future::Future<Output = T>) -> T {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(f)
    }

    #[test]
    fn boundaries() {
        assert_eq!(
            boundary("multipart/form-data; boundary=abc").as_deref(),
            Some("abc")
        );
        assert_eq!(
            boundary("Multipart/Form-Data;boundary=\"a b:c\"").as_deref(),
            Some("a b:c")
        );
        assert_eq!(boundary("multipart/mixed; boundary=abc"), None);
        assert_eq!(boundary("multipart/form-data"), None);
        assert_eq!(boundary("multipart/form-data; boundary="), None);
        let long = "x".repeat(71);
        assert_eq!(
            boundary(&format!("multipart/form-data; boundary={long}")),
            None
        );
    }

    #[test]
    fn reads_fields_and_file() {
        let raw = form(&[("key", "a/${filename}"), ("x-amz-meta-a", "1")], b"hello");
        let (fields, filename, file) = run(read(body_of(vec![raw]))).unwrap();
        assert_eq!(
            fields,
            vec![
                ("key".to_owned(), "a/${filename}".to_owned()),
                ("x-amz-meta-a".to_owned(), "1".to_owned())
            ]
        );
        assert_eq!(filename.as_deref(), Some("a.txt"));
        assert_eq!(file, b"hello");
    }

    #[test]
    fn empty_file_and_preamble() {
        let mut raw = b"ignored preamble".to_vec();
        raw.extend_from_slice(b"\r\n");
        raw.extend_from_slice(&form(&[("key", "k")], b""));
        let (fields, _, file) = run(read(body_of(vec![raw]))).unwrap();
        assert_eq!(fields.len(), 1);
        assert!(file.is_empty());
    }

    #[test]
    fn no_file_ends_with_none() {
        let raw = format!(
            "--{B}\r\nContent-Disposition: form-data; name=\"key\"\r\n\r\nk\r\n--{B}--\r\n"
        );
        let parts = run(async {
            let mut r = FormReader::new(body_of(vec![raw.into_bytes()]), B);
            let first = r.next_part().await.unwrap();
            let second = r.next_part().await.unwrap();
            (first, second)
        });
        assert_eq!(
            parts.0,
            Some(Part::Field {
                name: "key".into(),
                value: "k".into()
            })
        );
        assert_eq!(parts.1, None);
    }

    #[test]
    fn refusals() {
        let code = |raw: Vec<u8>| run(read(body_of(vec![raw]))).unwrap_err().code;
        // Fields before the file over 20 KiB.
        let big = "v".repeat(MAX_PRE_DATA);
        assert_eq!(
            code(form(&[("x-ignore-a", &big)], b"f")),
            S3ErrorCode::MaxPostPreDataLengthExceededError
        );
        // No closing delimiter for a field.
        assert_eq!(
            code(
                format!("--{B}\r\nContent-Disposition: form-data; name=\"key\"\r\n\r\nk")
                    .into_bytes()
            ),
            S3ErrorCode::MalformedPOSTRequest
        );
        // A part without Content-Disposition.
        assert_eq!(
            code(format!("--{B}\r\nContent-Type: text/plain\r\n\r\nk\r\n--{B}--").into_bytes()),
            S3ErrorCode::MalformedPOSTRequest
        );
        // No boundary at all.
        assert_eq!(
            code(b"just some text".to_vec()),
            S3ErrorCode::MalformedPOSTRequest
        );
        // The file without its closing delimiter: the body is cut off.
        let mut cut = form(&[("key", "k")], b"data");
        cut.truncate(cut.len() - B.len() - 8);
        let err = run(read(body_of(vec![cut]))).unwrap_err();
        assert_eq!(err.code, S3ErrorCode::MalformedPOSTRequest);
    }

    #[test]
    fn a_huge_preamble_is_refused_without_being_held() {
        let raw = vec![b'x'; 10 * MAX_PRE_DATA];
        let err = run(read(body_of(vec![raw]))).unwrap_err();
        assert_eq!(err.code, S3ErrorCode::MaxPostPreDataLengthExceededError);
    }

    #[test]
    fn finds() {
        assert_eq!(find(b"abcabd", b"abd"), Some(3));
        assert_eq!(find(b"abcab", b"abd"), None);
        assert_eq!(find(b"", b"a"), None);
        assert_eq!(find(b"aaab", b"aab"), Some(1));
    }

    /// File content that comes close to the delimiter without being it.
    fn tricky_content() -> impl Strategy<Value = Vec<u8>> {
        let pieces = prop::collection::vec(
            prop_oneof![
                prop::collection::vec(any::<u8>(), 0..40),
                Just(b"\r\n".to_vec()),
                Just(b"\r\n--".to_vec()),
                Just(format!("\r\n--{}", &B[..B.len() - 1]).into_bytes()),
                Just(format!("--{B}").into_bytes()),
                Just(b"\r".to_vec()),
            ],
            0..30,
        );
        pieces
            .prop_map(|p| p.concat())
            .prop_filter("no delimiter inside", |c| {
                let mut with_crlf = b"\r\n".to_vec();
                with_crlf.extend_from_slice(c);
                find(&with_crlf, format!("\r\n--{B}").as_bytes()).is_none()
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        /// However the transport splits the body, the fields and the file
        /// come out the same.
        #[test]
        fn splitting_does_not_matter(
            content in tricky_content(),
            value in "[ -~]{0,40}",
            cuts in prop::collection::vec(any::<prop::sample::Index>(), 0..12),
        ) {
            let raw = form(&[("key", "k"), ("x-amz-meta-v", &value)], &content);
            let mut points: Vec<usize> = cuts.iter().map(|c| c.index(raw.len() + 1)).collect();
            points.sort_unstable();
            points.dedup();
            let mut pieces = Vec::new();
            let mut last = 0;
            for p in points {
                pieces.push(raw[last..p].to_vec());
                last = p;
            }
            pieces.push(raw[last..].to_vec());
            let (fields, filename, file) = run(read(body_of(pieces))).unwrap();
            prop_assert_eq!(fields, vec![
                ("key".to_owned(), "k".to_owned()),
                ("x-amz-meta-v".to_owned(), value.clone()),
            ]);
            prop_assert_eq!(filename.as_deref(), Some("a.txt"));
            prop_assert_eq!(file, content);
        }
    }
}
