//! The streaming XML layer under the MSPDI model: a pull parser over any `BufRead` that refuses
//! entity declarations, tracks line and column for errors, and captures unmodelled elements
//! verbatim; and an indenting writer.

use super::value::Value;
use super::Error;
use quick_xml::events::Event;
use quick_xml::Reader;
use std::collections::VecDeque;
use std::io::{self, BufRead, Read, Write};

/// An element the typed model does not cover, kept as it appeared in the file (its start tag,
/// everything inside it and its end tag), so that writing the model gives it back unchanged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Raw {
    /// The element's XML text, e.g. `<HideBar>0</HideBar>`.
    pub xml: String,
}

/// The slot in an element's `order` that stands for the next [`Raw`] element of `extra`.
pub(crate) const RAW: u16 = u16::MAX;

// ---------------------------------------------------------------------------------------------
// Line tracking

/// Counts lines as the parser consumes bytes, remembering where the recent ones started so an
/// error can be reported as line and column without re-reading the input.
pub(crate) struct LineTrack<R> {
    inner: R,
    consumed: u64,
    newlines: u64,
    recent: VecDeque<u64>,
}

const RECENT_NEWLINES: usize = 8192;

impl<R: BufRead> LineTrack<R> {
    pub(crate) fn new(inner: R) -> Self {
        Self {
            inner,
            consumed: 0,
            newlines: 0,
            recent: VecDeque::with_capacity(RECENT_NEWLINES),
        }
    }

    fn count(&mut self, amt: usize) {
        if amt == 0 {
            return;
        }
        let Ok(buf) = self.inner.fill_buf() else {
            return;
        };
        let chunk = &buf[..amt.min(buf.len())];
        for i in memchr::memchr_iter(b'\n', chunk) {
            self.newlines += 1;
            if self.recent.len() == RECENT_NEWLINES {
                self.recent.pop_front();
            }
            self.recent.push_back(self.consumed + i as u64);
        }
        self.consumed += amt as u64;
    }

    /// 1-based line and column (in bytes) of byte `offset`, which must not be past what was
    /// consumed. Exact within the last few thousand lines, which is where errors are found.
    pub(crate) fn line_col(&self, offset: u64) -> (u64, u64) {
        let offset = offset.min(self.consumed);
        let after = self
            .recent
            .iter()
            .rev()
            .take_while(|&&nl| nl >= offset)
            .count() as u64;
        let line = self.newlines - after + 1;
        let line_start = self
            .recent
            .iter()
            .rev()
            .find(|&&nl| nl < offset)
            .map_or(0, |nl| nl + 1);
        (line, offset - line_start + 1)
    }
}

impl<R: BufRead> Read for LineTrack<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let n = {
            let buf = self.inner.fill_buf()?;
            let n = buf.len().min(out.len());
            out[..n].copy_from_slice(&buf[..n]);
            n
        };
        self.consume(n);
        Ok(n)
    }
}

impl<R: BufRead> BufRead for LineTrack<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        self.inner.fill_buf()
    }
    fn consume(&mut self, amt: usize) {
        self.count(amt);
        self.inner.consume(amt);
    }
}

// ---------------------------------------------------------------------------------------------
// Parser

/// What the parser stands on after [`Parser::next`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ev {
    Start,
    Empty,
    End,
    Text,
    CData,
    Comment,
    Pi,
    Decl,
    Eof,
}

pub(crate) struct Parser<R: BufRead> {
    reader: Reader<LineTrack<R>>,
    buf: Vec<u8>,
    /// Bytes of the current event: a tag's content between `<` and `>` (no trailing `/`), an
    /// end tag's name, or the raw (still escaped) text.
    cur: Vec<u8>,
    name_len: usize,
    ev: Ev,
    event_pos: u64,
    /// Names of the open elements (concatenated, with their start offsets), for messages about
    /// truncated input; kept without a per-element allocation.
    open_names: Vec<u8>,
    open_starts: Vec<usize>,
}

impl<R: BufRead> Parser<R> {
    pub(crate) fn new(inner: R) -> Self {
        let mut reader = Reader::from_reader(LineTrack::new(inner));
        let cfg = reader.config_mut();
        cfg.check_end_names = true;
        cfg.trim_text(false);
        cfg.expand_empty_elements = false;
        Self {
            reader,
            buf: Vec::with_capacity(4096),
            cur: Vec::with_capacity(4096),
            name_len: 0,
            ev: Ev::Eof,
            event_pos: 0,
            open_names: Vec::new(),
            open_starts: Vec::new(),
        }
    }

    /// An error at byte `offset`, with its line and column.
    pub(crate) fn error_at(&self, offset: u64, message: String) -> Error {
        let (line, column) = self.reader.get_ref().line_col(offset);
        Error::Syntax {
            line,
            column,
            message,
        }
    }

    /// An error at the start of the current event.
    pub(crate) fn error(&self, message: String) -> Error {
        self.error_at(self.event_pos, message)
    }

    fn refuse(&self, reason: &str) -> Error {
        let (line, column) = self.reader.get_ref().line_col(self.event_pos);
        Error::Refused {
            reason: reason.to_owned(),
            line,
            column,
        }
    }

    /// Moves to the next event. DOCTYPE declarations that declare entities or name an external
    /// DTD are refused here, before anything could be expanded or fetched.
    pub(crate) fn next(&mut self) -> Result<Ev, Error> {
        loop {
            self.buf.clear();
            self.event_pos = self.reader.buffer_position();
            let ev = match self.reader.read_event_into(&mut self.buf) {
                Ok(ev) => ev,
                Err(e) => {
                    let pos = self.reader.error_position();
                    return Err(self.error_at(pos, format!("malformed XML: {e}")));
                }
            };
            self.cur.clear();
            let kind = match ev {
                Event::Start(e) => {
                    self.name_len = e.name().as_ref().len();
                    self.cur.extend_from_slice(&e);
                    Ev::Start
                }
                Event::Empty(e) => {
                    self.name_len = e.name().as_ref().len();
                    self.cur.extend_from_slice(&e);
                    Ev::Empty
                }
                Event::End(e) => {
                    self.cur.extend_from_slice(e.name().as_ref());
                    self.name_len = self.cur.len();
                    Ev::End
                }
                Event::Text(e) => {
                    self.cur.extend_from_slice(&e);
                    Ev::Text
                }
                Event::CData(e) => {
                    self.cur.extend_from_slice(&e);
                    Ev::CData
                }
                Event::Comment(e) => {
                    self.cur.extend_from_slice(&e);
                    Ev::Comment
                }
                Event::PI(e) => {
                    self.cur.extend_from_slice(&e);
                    Ev::Pi
                }
                Event::Decl(e) => {
                    self.cur.extend_from_slice(&e);
                    Ev::Decl
                }
                Event::DocType(e) => {
                    let text = String::from_utf8_lossy(&e).to_ascii_uppercase();
                    drop(e);
                    if text.contains("<!ENTITY") {
                        return Err(self.refuse(
                            "the document declares entities (<!ENTITY>); entity expansion \
                             (billion laughs) and external entities (XXE) are not accepted",
                        ));
                    }
                    if text.contains("SYSTEM") || text.contains("PUBLIC") || text.contains('[') {
                        return Err(self.refuse(
                            "the document refers to an external or internal DTD; \
                             external entities (XXE) are not accepted",
                        ));
                    }
                    continue;
                }
                Event::Eof => Ev::Eof,
            };
            match kind {
                Ev::Start => {
                    self.open_starts.push(self.open_names.len());
                    self.open_names
                        .extend_from_slice(&self.cur[..self.name_len]);
                }
                Ev::End => {
                    if let Some(at) = self.open_starts.pop() {
                        self.open_names.truncate(at);
                    }
                }
                _ => {}
            }
            self.ev = kind;
            return Ok(kind);
        }
    }

    /// The qualified name of the current start or end tag.
    pub(crate) fn name(&self) -> &[u8] {
        &self.cur[..self.name_len]
    }

    /// The current tag's name without its namespace prefix.
    pub(crate) fn local_name(&self) -> &[u8] {
        let n = self.name();
        match memchr::memchr(b':', n) {
            Some(i) => &n[i + 1..],
            None => n,
        }
    }

    /// The raw attribute text of the current start tag (empty when it has none).
    pub(crate) fn attributes(&self) -> &[u8] {
        let rest = &self.cur[self.name_len..];
        let start = rest
            .iter()
            .position(|b| !b.is_ascii_whitespace())
            .unwrap_or(rest.len());
        &rest[start..]
    }

    pub(crate) fn has_attributes(&self) -> bool {
        !self.attributes().is_empty()
    }

    pub(crate) fn is_whitespace(&self) -> bool {
        self.cur.iter().all(u8::is_ascii_whitespace)
    }

    fn text_str(&self) -> Result<&str, Error> {
        std::str::from_utf8(&self.cur).map_err(|e| self.error(format!("invalid UTF-8: {e}")))
    }

    /// The current text event, unescaped. Only the five predefined entities and character
    /// references are known; any other entity reference is an error.
    fn unescaped(&self) -> Result<std::borrow::Cow<'_, str>, Error> {
        let s = self.text_str()?;
        quick_xml::escape::unescape(s).map_err(|e| self.error(format!("{e}")))
    }

    pub(crate) fn eof_error(&self) -> Error {
        let what = match self.open_starts.last() {
            Some(&at) => format!(
                "unexpected end of input: <{}> is not closed",
                String::from_utf8_lossy(&self.open_names[at..])
            ),
            None => "unexpected end of input".to_owned(),
        };
        self.error_at(self.reader.buffer_position(), what)
    }

    /// Reads the text of the current leaf element (which is the current `Start`/`Empty`); the
    /// parser is left on its end tag. A leaf that holds child elements is an error.
    pub(crate) fn read_text(&mut self) -> Result<Result<String, Raw>, Error> {
        if self.ev == Ev::Empty {
            return Ok(Ok(String::new()));
        }
        let mut text = String::new();
        loop {
            match self.next()? {
                Ev::Text => text.push_str(&self.unescaped()?),
                Ev::CData => text.push_str(self.text_str()?),
                Ev::Comment | Ev::Pi => {}
                Ev::End => return Ok(Ok(text)),
                Ev::Start | Ev::Empty => {
                    return Err(self.error(format!(
                        "unexpected element <{}> inside a value",
                        String::from_utf8_lossy(self.name())
                    )))
                }
                Ev::Decl => return Err(self.error("misplaced XML declaration".into())),
                Ev::Eof => return Err(self.eof_error()),
            }
        }
    }

    /// Captures the current element (a `Start` or `Empty`) and everything inside it verbatim.
    pub(crate) fn capture(&mut self) -> Result<Raw, Error> {
        let mut out: Vec<u8> = Vec::with_capacity(self.cur.len() + 32);
        out.push(b'<');
        out.extend_from_slice(&self.cur);
        if self.ev == Ev::Empty {
            out.extend_from_slice(b"/>");
        } else {
            out.push(b'>');
            let mut depth = 1usize;
            while depth > 0 {
                match self.next()? {
                    Ev::Start => {
                        depth += 1;
                        out.push(b'<');
                        out.extend_from_slice(&self.cur);
                        out.push(b'>');
                    }
                    Ev::Empty => {
                        out.push(b'<');
                        out.extend_from_slice(&self.cur);
                        out.extend_from_slice(b"/>");
                    }
                    Ev::End => {
                        depth -= 1;
                        out.extend_from_slice(b"</");
                        out.extend_from_slice(&self.cur);
                        out.push(b'>');
                    }
                    Ev::Text => {
                        self.unescaped()?;
                        out.extend_from_slice(&self.cur);
                    }
                    Ev::CData => {
                        out.extend_from_slice(b"<![CDATA[");
                        out.extend_from_slice(&self.cur);
                        out.extend_from_slice(b"]]>");
                    }
                    Ev::Comment => {
                        out.extend_from_slice(b"<!--");
                        out.extend_from_slice(&self.cur);
                        out.extend_from_slice(b"-->");
                    }
                    Ev::Pi => {
                        out.extend_from_slice(b"<?");
                        out.extend_from_slice(&self.cur);
                        out.extend_from_slice(b"?>");
                    }
                    Ev::Decl => return Err(self.error("misplaced XML declaration".into())),
                    Ev::Eof => return Err(self.eof_error()),
                }
            }
        }
        out.shrink_to_fit();
        String::from_utf8(out)
            .map(|xml| Raw { xml })
            .map_err(|e| self.error(format!("invalid UTF-8: {e}")))
    }

    /// Skips whitespace and comments between elements; non-whitespace text is returned as
    /// `Some(raw)` so that it is not lost either.
    pub(crate) fn stray_text(&self) -> Result<Option<Raw>, Error> {
        match self.ev {
            Ev::Text if self.is_whitespace() => Ok(None),
            Ev::Text => {
                self.unescaped()?;
                Ok(Some(Raw {
                    xml: self.text_str()?.trim().to_owned(),
                }))
            }
            Ev::CData => Ok(Some(Raw {
                xml: format!("<![CDATA[{}]]>", self.text_str()?),
            })),
            _ => Ok(None),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Elements

/// A complex MSPDI element mapped onto a struct.
pub(crate) trait Element: Default {
    /// Handles one child element; the parser stands on its `Start`/`Empty`.
    fn read_child<R: BufRead>(&mut self, p: &mut Parser<R>) -> Result<(), Error>;
    /// Keeps text that stands between child elements.
    fn push_raw(&mut self, raw: Raw);
    /// Releases spare capacity once the element is read (large files hold many elements).
    fn shrink(&mut self);
    /// Writes the children.
    fn write_children<W: Write>(&self, out: &mut Out<W>) -> io::Result<()>;
}

/// Reads the element the parser stands on into a `T`.
pub(crate) fn read_element<T: Element, R: BufRead>(p: &mut Parser<R>) -> Result<T, Error> {
    let mut t = T::default();
    if p.ev == Ev::Empty {
        return Ok(t);
    }
    loop {
        match p.next()? {
            Ev::Start | Ev::Empty => t.read_child(p)?,
            Ev::End => {
                t.shrink();
                return Ok(t);
            }
            Ev::Text | Ev::CData => {
                if let Some(raw) = p.stray_text()? {
                    t.push_raw(raw);
                }
            }
            Ev::Comment | Ev::Pi => {}
            Ev::Decl => return Err(p.error("misplaced XML declaration".into())),
            Ev::Eof => return Err(p.eof_error()),
        }
    }
}

/// Reads a wrapper element (`<Tasks>`) whose children are all `<item>` elements.
pub(crate) fn read_list<T: Element, R: BufRead>(
    p: &mut Parser<R>,
    item: &[u8],
) -> Result<Vec<T>, Error> {
    let mut items = Vec::new();
    if p.ev == Ev::Empty {
        return Ok(items);
    }
    let wrapper = String::from_utf8_lossy(p.name()).into_owned();
    loop {
        match p.next()? {
            Ev::Start | Ev::Empty if p.local_name() == item && !p.has_attributes() => {
                items.push(read_element(p)?)
            }
            Ev::Start | Ev::Empty => {
                return Err(p.error(format!(
                    "unexpected <{}> inside <{wrapper}>",
                    String::from_utf8_lossy(p.name())
                )))
            }
            Ev::End => return Ok(items),
            Ev::Text | Ev::CData => {
                if p.stray_text()?.is_some() {
                    return Err(p.error(format!("unexpected text inside <{wrapper}>")));
                }
            }
            Ev::Comment | Ev::Pi => {}
            Ev::Decl => return Err(p.error("misplaced XML declaration".into())),
            Ev::Eof => return Err(p.eof_error()),
        }
    }
}

/// Reads a leaf into `slot`; a second occurrence, an attribute or a text that is not a `T` is
/// kept raw instead. Returns the raw element, if any, for the caller to keep.
pub(crate) fn read_value<T: Value, R: BufRead>(
    p: &mut Parser<R>,
    slot: &mut Option<T>,
) -> Result<Option<Raw>, Error> {
    if slot.is_some() || p.has_attributes() {
        return p.capture().map(Some);
    }
    match p.read_text()? {
        Ok(text) => match T::parse(&text) {
            Some(v) => {
                *slot = Some(v);
                Ok(None)
            }
            None => {
                // The parser stands on the end tag, which has the element's name.
                let tag = String::from_utf8_lossy(p.name()).into_owned();
                let mut xml = String::with_capacity(text.len() + 2 * tag.len() + 5);
                xml.push('<');
                xml.push_str(&tag);
                xml.push('>');
                escape_into(&text, &mut xml);
                xml.push_str("</");
                xml.push_str(&tag);
                xml.push('>');
                Ok(Some(Raw { xml }))
            }
        },
        Err(raw) => Ok(Some(raw)),
    }
}

// ---------------------------------------------------------------------------------------------
// Writer

/// Escapes text content: `&`, `<`, `>`, and carriage returns and other control characters as
/// character references so that they survive a round trip through an XML parser.
pub(crate) fn escape_into(text: &str, out: &mut String) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\n' | '\t' => out.push(c),
            c if (c as u32) < 0x20 => {
                out.push_str("&#");
                out.push_str(&(c as u32).to_string());
                out.push(';');
            }
            c => out.push(c),
        }
    }
}

/// An indenting XML writer (tabs, as MS Project writes).
pub(crate) struct Out<W: Write> {
    w: W,
    depth: usize,
    scratch: String,
    escaped: String,
}

impl<W: Write> Out<W> {
    pub(crate) fn new(w: W) -> Self {
        Self {
            w,
            depth: 0,
            scratch: String::new(),
            escaped: String::new(),
        }
    }

    pub(crate) fn into_inner(self) -> W {
        self.w
    }

    pub(crate) fn raw_bytes(&mut self, b: &[u8]) -> io::Result<()> {
        self.w.write_all(b)
    }

    fn indent(&mut self) -> io::Result<()> {
        const TABS: &[u8] = &[b'\t'; 64];
        self.w.write_all(&TABS[..self.depth.min(TABS.len())])
    }

    pub(crate) fn open(&mut self, tag: &str) -> io::Result<()> {
        self.open_with(tag, "")
    }

    pub(crate) fn open_with(&mut self, tag: &str, attributes: &str) -> io::Result<()> {
        self.indent()?;
        self.w.write_all(b"<")?;
        self.w.write_all(tag.as_bytes())?;
        if !attributes.is_empty() {
            self.w.write_all(b" ")?;
            self.w.write_all(attributes.as_bytes())?;
        }
        self.w.write_all(b">\n")?;
        self.depth += 1;
        Ok(())
    }

    pub(crate) fn close(&mut self, tag: &str) -> io::Result<()> {
        self.depth = self.depth.saturating_sub(1);
        self.indent()?;
        self.w.write_all(b"</")?;
        self.w.write_all(tag.as_bytes())?;
        self.w.write_all(b">\n")
    }

    pub(crate) fn leaf<T: Value>(&mut self, tag: &str, v: &T) -> io::Result<()> {
        self.scratch.clear();
        v.emit(&mut self.scratch);
        self.escaped.clear();
        escape_into(&self.scratch, &mut self.escaped);
        self.indent()?;
        self.w.write_all(b"<")?;
        self.w.write_all(tag.as_bytes())?;
        self.w.write_all(b">")?;
        self.w.write_all(self.escaped.as_bytes())?;
        self.w.write_all(b"</")?;
        self.w.write_all(tag.as_bytes())?;
        self.w.write_all(b">\n")
    }

    pub(crate) fn raw(&mut self, raw: &Raw) -> io::Result<()> {
        self.indent()?;
        self.w.write_all(raw.xml.as_bytes())?;
        self.w.write_all(b"\n")
    }

    pub(crate) fn element<T: Element>(&mut self, tag: &str, t: &T) -> io::Result<()> {
        self.open(tag)?;
        t.write_children(self)?;
        self.close(tag)
    }

    pub(crate) fn list<T: Element>(
        &mut self,
        tag: &str,
        item: &str,
        items: &[T],
    ) -> io::Result<()> {
        self.open(tag)?;
        for t in items {
            self.element(item, t)?;
        }
        self.close(tag)
    }
}

/// Defines a struct for a complex MSPDI element: typed fields for the children PSO models
/// (`val` leaf, `one` single complex child, `many` repeated complex child, `list(Item)` wrapper
/// of repeated children), plus `extra` for every other child and `order`, the order in which
/// the children were read, so that writing reproduces the file's order.
macro_rules! element {
    (
        $(#[$m:meta])*
        pub struct $name:ident {
            $( $(#[$fm:meta])* $field:ident : $tag:literal $kind:ident $(($item:literal))? => $ty:ty ),* $(,)?
        }
    ) => {
        $(#[$m])*
        #[derive(Debug, Clone, Default, PartialEq)]
        pub struct $name {
            $( $(#[$fm])* pub $field: $ty, )*
            /// Children the model does not type, verbatim, in document order.
            pub extra: Vec<$crate::mspdi::Raw>,
            /// Order of the children as read (field ordinals; `u16::MAX` for the next `extra`).
            /// Empty for elements built in code: they are written in schema order.
            pub order: Vec<u16>,
        }

        impl $name {
            #[allow(dead_code)]
            const TAGS: &'static [&'static [u8]] = &[$($tag as &[u8]),*];
        }

        impl $crate::mspdi::xml::Element for $name {
            #[allow(unused_assignments, unused_mut, unused_variables)]
            fn read_child<R: std::io::BufRead>(
                &mut self,
                p: &mut $crate::mspdi::xml::Parser<R>,
            ) -> Result<(), $crate::mspdi::Error> {
                #[allow(non_camel_case_types, dead_code)]
                enum F { $($field),* }
                let ord: Option<u16> = if p.has_attributes() {
                    None
                } else {
                    match p.local_name() {
                        $( $tag => Some(F::$field as u16), )*
                        _ => None,
                    }
                };
                let mut raw: Option<$crate::mspdi::Raw> = None;
                match ord {
                    $( Some(o) if o == F::$field as u16 => {
                        element!(@read $kind $(($item))? self, p, $field, raw);
                        if raw.is_none() { self.order.push(o); }
                    } )*
                    _ => raw = Some(p.capture()?),
                }
                if let Some(r) = raw {
                    self.push_raw(r);
                }
                Ok(())
            }

            fn shrink(&mut self) {
                self.order.shrink_to_fit();
                self.extra.shrink_to_fit();
            }

            fn push_raw(&mut self, raw: $crate::mspdi::Raw) {
                self.extra.push(raw);
                self.order.push($crate::mspdi::xml::RAW);
            }

            #[allow(unused_assignments, unused_mut, unused_variables)]
            fn write_children<W: std::io::Write>(
                &self,
                out: &mut $crate::mspdi::xml::Out<W>,
            ) -> std::io::Result<()> {
                #[allow(non_camel_case_types, dead_code)]
                enum F { $($field),* }
                const N: usize = $name::TAGS.len();
                let mut done = [false; N];
                let mut next_raw = 0usize;
                let mut emit = |o: u16, out: &mut $crate::mspdi::xml::Out<W>, done: &mut [bool; N], explicit: bool| -> std::io::Result<()> {
                    $( if o == F::$field as u16 && !done[o as usize] {
                        done[o as usize] = true;
                        element!(@write $kind $(($item))? self, out, $field, $tag, explicit);
                    } )*
                    Ok(())
                };
                // Fields set in code that were not in the file go to their schema place: before
                // the first listed field that comes after them in `TAGS`.
                let mut listed = [false; N];
                for &o in &self.order {
                    if let Some(l) = listed.get_mut(o as usize) {
                        *l = true;
                    }
                }
                let mut cursor = 0u16;
                for &o in &self.order {
                    if o == $crate::mspdi::xml::RAW {
                        if let Some(r) = self.extra.get(next_raw) {
                            out.raw(r)?;
                        }
                        next_raw += 1;
                    } else {
                        while cursor < o {
                            if !listed[cursor as usize] {
                                emit(cursor, out, &mut done, false)?;
                            }
                            cursor += 1;
                        }
                        emit(o, out, &mut done, true)?;
                    }
                }
                for o in 0..N as u16 {
                    emit(o, out, &mut done, false)?;
                }
                for r in self.extra.iter().skip(next_raw) {
                    out.raw(r)?;
                }
                Ok(())
            }
        }
    };

    (@read val $self:ident, $p:ident, $field:ident, $raw:ident) => {
        $raw = $crate::mspdi::xml::read_value($p, &mut $self.$field)?;
    };
    (@read one $self:ident, $p:ident, $field:ident, $raw:ident) => {
        if $self.$field.is_some() {
            $raw = Some($p.capture()?);
        } else {
            $self.$field = Some($crate::mspdi::xml::read_element($p)?);
        }
    };
    (@read many $self:ident, $p:ident, $field:ident, $raw:ident) => {
        $self.$field.push($crate::mspdi::xml::read_element($p)?);
    };
    (@read list ($item:literal) $self:ident, $p:ident, $field:ident, $raw:ident) => {
        if $self.order.contains(&(F::$field as u16)) {
            $raw = Some($p.capture()?);
        } else {
            $self.$field = $crate::mspdi::xml::read_list($p, $item)?;
        }
    };

    (@write val $self:ident, $out:ident, $field:ident, $tag:literal, $explicit:ident) => {
        if let Some(v) = &$self.$field {
            $out.leaf(std::str::from_utf8($tag).unwrap_or_default(), v)?;
        }
    };
    (@write one $self:ident, $out:ident, $field:ident, $tag:literal, $explicit:ident) => {
        if let Some(v) = &$self.$field {
            $out.element(std::str::from_utf8($tag).unwrap_or_default(), v)?;
        }
    };
    (@write many $self:ident, $out:ident, $field:ident, $tag:literal, $explicit:ident) => {
        for v in &$self.$field {
            $out.element(std::str::from_utf8($tag).unwrap_or_default(), v)?;
        }
    };
    (@write list ($item:literal) $self:ident, $out:ident, $field:ident, $tag:literal, $explicit:ident) => {
        if $explicit || !$self.$field.is_empty() {
            $out.list(
                std::str::from_utf8($tag).unwrap_or_default(),
                std::str::from_utf8($item).unwrap_or_default(),
                &$self.$field,
            )?;
        }
    };
}

pub(crate) use element;
