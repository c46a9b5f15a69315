//! MS Project XML (MSPDI): a typed, lossless model with a streaming reader and a writer.
//!
//! # Design
//!
//! - **Lossless.** Each element struct ([`Project`], [`Task`], [`Calendar`], …) has typed fields
//!   for what PSO uses, `extra` for every other child element kept verbatim as XML, and `order`,
//!   the order in which the children appeared. Writing a model that was read emits the children
//!   in the same order with the same content, so MS Project and MPXJ see the same project. What
//!   changes: indentation, the spelling of typed numbers (`1.00` → `1`) and booleans (`true` →
//!   `1`), CDATA in typed values (written as escaped text), and comments between elements outside
//!   untyped fragments (dropped). Durations keep their original text; untyped elements keep
//!   theirs byte for byte. A typed field set in code goes to its schema place.
//! - **Streaming.** The reader pulls events from any [`BufRead`] with `quick-xml`; no DOM and no
//!   whole-file string is ever built, so memory grows with the model, not with the file.
//! - **Safe.** A DOCTYPE that declares entities or refers to a DTD is refused before anything
//!   else is read ([`Error::Refused`]): no entity is ever expanded (billion laughs) or fetched
//!   (XXE). Only XML's five predefined entities and character references are understood.
//! - **Located errors.** Malformed or truncated input gives [`Error::Syntax`] with line and
//!   column.
//! - **Atomic output.** [`write_file`] writes a temporary file beside the target and renames it,
//!   so a failure never leaves a half-written file.

mod codes;
mod model;
pub mod schedule;
mod value;
pub(crate) mod xml;

pub use codes::*;
pub use model::*;
pub use value::{Duration, TimeOfDay, Value};
pub use xml::Raw;

use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use xml::{Element, Ev, Out, Parser};

/// Why a file could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The input is not well-formed XML (or is truncated).
    #[error("line {line}, column {column}: {message}")]
    Syntax {
        /// 1-based line.
        line: u64,
        /// 1-based column, in bytes.
        column: u64,
        /// What is wrong.
        message: String,
    },
    /// The input uses a feature refused for safety (entity declarations, DTDs).
    #[error("refused at line {line}, column {column}: {reason}")]
    Refused {
        /// Why.
        reason: String,
        /// 1-based line.
        line: u64,
        /// 1-based column, in bytes.
        column: u64,
    },
    /// Well-formed XML that is not an MSPDI document.
    #[error("not an MS Project XML file: the root element is <{0}>, not <Project>")]
    NotMspdi(String),
    /// Reading or writing failed (the cause is the error's source).
    #[error("I/O error on {path}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: io::Error,
    },
}

/// An MSPDI document: the `<Project>` element and the attributes of its start tag
/// (normally only the namespace declaration).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Document {
    /// Raw attributes of `<Project ...>`, e.g. `xmlns="http://schemas.microsoft.com/project"`.
    pub root_attributes: String,
    /// The project.
    pub project: Project,
}

/// The namespace MS Project writes on `<Project>`.
pub const NAMESPACE: &str = "http://schemas.microsoft.com/project";

impl Document {
    /// A document for `project` with the MSPDI namespace.
    pub fn new(project: Project) -> Self {
        Self {
            root_attributes: format!("xmlns=\"{NAMESPACE}\""),
            project,
        }
    }
}

/// Reads an MSPDI document from `input` (streamed; a leading UTF-8 byte order mark is skipped).
pub fn read<R: BufRead>(input: R) -> Result<Document, Error> {
    let mut p = Parser::new(input);
    let mut doc: Option<Document> = None;
    loop {
        match p.next()? {
            Ev::Decl | Ev::Comment | Ev::Pi => {}
            Ev::Text | Ev::CData => {
                if !p.is_whitespace() {
                    return Err(p.error("text outside the root element".into()));
                }
            }
            Ev::Start | Ev::Empty if doc.is_none() => {
                if p.local_name() != b"Project" {
                    return Err(Error::NotMspdi(
                        String::from_utf8_lossy(p.name()).into_owned(),
                    ));
                }
                let mut root_attributes = String::from_utf8_lossy(p.attributes()).into_owned();
                // `<ns0:Project xmlns:ns0="...">`: typed elements are written without a prefix,
                // so they need the MSPDI namespace as the default one.
                let prefixed = p.name().contains(&b':');
                let has_default = root_attributes
                    .split_whitespace()
                    .any(|a| a.starts_with("xmlns="));
                if prefixed && !has_default {
                    if !root_attributes.is_empty() {
                        root_attributes.push(' ');
                    }
                    root_attributes.push_str(&format!("xmlns=\"{NAMESPACE}\""));
                }
                let project: Project = xml::read_element(&mut p)?;
                doc = Some(Document {
                    root_attributes,
                    project,
                });
            }
            Ev::Start | Ev::Empty => {
                return Err(p.error("a second root element after </Project>".into()))
            }
            Ev::End => return Err(p.error("unexpected end tag".into())),
            Ev::Eof => {
                return doc.ok_or_else(|| p.error_at(0, "no <Project> element".into()));
            }
        }
    }
}

/// Reads an MSPDI file.
pub fn read_file(path: &Path) -> Result<Document, Error> {
    let io_err = |source| Error::Io {
        path: path.to_owned(),
        source,
    };
    let file = File::open(path).map_err(io_err)?;
    read(BufReader::with_capacity(256 * 1024, file))
}

/// Writes `doc` as MSPDI (UTF-8, tab-indented) to `output`.
pub fn write<W: Write>(doc: &Document, output: W) -> io::Result<()> {
    let mut out = Out::new(output);
    out.raw_bytes(b"<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n")?;
    out.open_with("Project", &doc.root_attributes)?;
    doc.project.write_children(&mut out)?;
    out.close("Project")?;
    out.into_inner().flush()
}

/// Writes `doc` to `path` atomically: a temporary file in the same directory, then a rename.
pub fn write_file(doc: &Document, path: &Path) -> Result<(), Error> {
    write_atomic(path, |w| write(doc, w))
}

/// Writes already serialised text to `path` atomically (as [`write_file`] does).
pub fn write_text_atomic(path: &Path, text: &str) -> Result<(), Error> {
    write_atomic(path, |w| w.write_all(text.as_bytes()))
}

/// A temporary file beside `path`, filled by `fill`, synced, then renamed over `path`.
fn write_atomic(
    path: &Path,
    fill: impl FnOnce(&mut BufWriter<File>) -> io::Result<()>,
) -> Result<(), Error> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_owned(),
        _ => PathBuf::from("."),
    };
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "out.xml".into());
    let tmp = dir.join(format!(".{file_name}.{}.tmp", std::process::id()));
    let result = (|| {
        let file = File::create(&tmp)?;
        let mut w = BufWriter::with_capacity(256 * 1024, file);
        fill(&mut w)?;
        let file = w.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    result.map_err(|source| {
        let _ = std::fs::remove_file(&tmp);
        Error::Io {
            path: path.to_owned(),
            source,
        }
    })
}

/// Writes `doc` to a `String`.
pub fn to_string(doc: &Document) -> String {
    let mut buf = Vec::new();
    // Writing to a Vec cannot fail.
    let _ = write(doc, &mut buf);
    String::from_utf8_lossy(&buf).into_owned()
}

/// Reads a document from a string.
pub fn from_str(s: &str) -> Result<Document, Error> {
    read(s.as_bytes())
}
