//! A Server-Sent Events client, as a phone's or a browser's: it reads the
//! stream's messages one at a time, with a deadline.

use std::time::Duration;

use futures::StreamExt;

/// One message: its `event`, `id` and `data` lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub event: String,
    pub id: Option<String>,
    pub data: String,
}

impl Message {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.data).expect("the data is JSON")
    }
}

/// What was read: a message, a comment line, or the end of the stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Read {
    Message(Message),
    Comment(String),
    End,
}

pub struct Sse {
    body: futures::stream::BoxStream<'static, reqwest::Result<bytes::Bytes>>,
    buffer: String,
}

impl Sse {
    pub fn new(response: reqwest::Response) -> Self {
        Self { body: response.bytes_stream().boxed(), buffer: String::new() }
    }

    /// The next block (up to a blank line), or `None` at the deadline.
    pub async fn read(&mut self, within: Duration) -> Option<Read> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                return Some(parse(block.trim_end()));
            }
            match tokio::time::timeout_at(deadline, self.body.next()).await {
                Err(_) => return None,
                Ok(None) | Ok(Some(Err(_))) => return Some(Read::End),
                Ok(Some(Ok(bytes))) => self.buffer.push_str(&String::from_utf8_lossy(&bytes)),
            }
        }
    }

    /// The next message, skipping comments; `None` at the deadline or the end.
    pub async fn message(&mut self, within: Duration) -> Option<Message> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            match self.read(left).await? {
                Read::Message(m) => return Some(m),
                Read::Comment(_) => continue,
                Read::End => return None,
            }
        }
    }

    /// Every message until nothing comes for `quiet`.
    pub async fn drain(&mut self, quiet: Duration) -> Vec<Message> {
        let mut all = Vec::new();
        while let Some(m) = self.message(quiet).await {
            all.push(m);
        }
        all
    }
}

fn parse(block: &str) -> Read {
    let mut message = Message { event: "message".into(), id: None, data: String::new() };
    let mut comment = None;
    let mut fields = false;
    for line in block.lines() {
        if let Some(text) = line.strip_prefix(':') {
            comment.get_or_insert_with(|| text.trim().to_owned());
            continue;
        }
        let (name, value) = line.split_once(": ").unwrap_or((line, ""));
        fields = true;
        match name {
            "event" => message.event = value.to_owned(),
            "id" => message.id = Some(value.to_owned()),
            "data" => message.data.push_str(value),
            _ => {}
        }
    }
    // A block without data dispatches nothing (`retry:`, an `id:` alone).
    if !fields || message.data.is_empty() {
        return Read::Comment(comment.unwrap_or_default());
    }
    Read::Message(message)
}
