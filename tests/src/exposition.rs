//! A strict reader of Prometheus' text exposition format (version 0.0.4):
//! every line must be a comment, a `# HELP`/`# TYPE` line or a well-formed
//! sample, or the read fails. Label values may hold any character, escaped
//! as the format says (`\\`, `\"`, `\n`), which is where route templates
//! such as `/api/v1/cases/{id}` put braces.

use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    pub name: String,
    pub labels: BTreeMap<String, String>,
    pub value: f64,
}

impl Sample {
    pub fn label(&self, name: &str) -> Option<&str> {
        self.labels.get(name).map(String::as_str)
    }
}

#[derive(Debug, Default)]
pub struct Exposition {
    pub samples: Vec<Sample>,
    /// Each family's declared type (`counter`, `gauge`, `histogram`, …).
    pub types: BTreeMap<String, String>,
}

impl Exposition {
    /// Reads `text`; the error names the line at fault.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut out = Self::default();
        for (n, line) in text.lines().enumerate() {
            let fault = |why: &str| format!("line {}: {why}: {line}", n + 1);
            if line.trim().is_empty() {
                continue;
            }
            if let Some(comment) = line.strip_prefix('#') {
                let mut words = comment.trim_start().splitn(3, ' ');
                match words.next() {
                    Some("TYPE") => {
                        let name = words.next().filter(|n| is_name(n)).ok_or_else(|| fault("a TYPE without a name"))?;
                        let kind = words.next().ok_or_else(|| fault("a TYPE without a type"))?;
                        if !matches!(kind, "counter" | "gauge" | "histogram" | "summary" | "untyped") {
                            return Err(fault("an unknown type"));
                        }
                        out.types.insert(name.to_owned(), kind.to_owned());
                    }
                    Some("HELP") => {
                        words.next().filter(|n| is_name(n)).ok_or_else(|| fault("a HELP without a name"))?;
                    }
                    _ => {}
                }
                continue;
            }
            out.samples.push(sample(line).map_err(|why| fault(&why))?);
        }
        Ok(out)
    }

    pub fn named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Sample> + 'a {
        self.samples.iter().filter(move |s| s.name == name)
    }

    /// Whether a family of this name has samples (a histogram's under its
    /// `_bucket`, `_sum` and `_count` names).
    pub fn has(&self, family: &str) -> bool {
        self.samples.iter().any(|s| {
            s.name == family || s.name.strip_prefix(family).is_some_and(|r| matches!(r, "_bucket" | "_sum" | "_count"))
        })
    }
}

fn is_name(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == ':')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
}

fn sample(line: &str) -> Result<Sample, String> {
    let name_end = line.find(['{', ' ']).ok_or("no value")?;
    let name = &line[..name_end];
    if !is_name(name) {
        return Err("a malformed metric name".into());
    }
    let mut labels = BTreeMap::new();
    let mut rest = &line[name_end..];
    if let Some(after) = rest.strip_prefix('{') {
        let mut chars = after.char_indices().peekable();
        let end = loop {
            while chars.peek().is_some_and(|(_, c)| *c == ',' || *c == ' ') {
                chars.next();
            }
            if let Some((i, '}')) = chars.peek().copied() {
                break i;
            }
            let mut key = String::new();
            for (_, c) in chars.by_ref() {
                if c == '=' {
                    break;
                }
                key.push(c);
            }
            if !is_name(&key) {
                return Err(format!("a malformed label name {key:?}"));
            }
            if chars.next().map(|(_, c)| c) != Some('"') {
                return Err("a label value not in quotes".into());
            }
            let mut value = String::new();
            loop {
                match chars.next().map(|(_, c)| c) {
                    Some('"') => break,
                    Some('\\') => match chars.next().map(|(_, c)| c) {
                        Some('n') => value.push('\n'),
                        Some(c @ ('\\' | '"')) => value.push(c),
                        _ => return Err("a bad escape in a label value".into()),
                    },
                    Some(c) => value.push(c),
                    None => return Err("an unterminated label value".into()),
                }
            }
            labels.insert(key, value);
        };
        rest = &after[end + 1..];
    }
    let mut fields = rest.split_whitespace();
    let value = fields.next().ok_or("no value")?;
    let value = match value {
        "+Inf" => f64::INFINITY,
        "-Inf" => f64::NEG_INFINITY,
        v => v.parse::<f64>().map_err(|_| format!("a value that is not a number: {v}"))?,
    };
    if let Some(ts) = fields.next() {
        ts.parse::<i64>().map_err(|_| "a timestamp that is not an integer")?;
    }
    if fields.next().is_some() {
        return Err("text after the timestamp".into());
    }
    Ok(Sample { name: name.to_owned(), labels, value })
}

#[cfg(test)]
mod tests {
    use super::Exposition;

    #[test]
    fn braces_and_escapes_in_label_values_are_read() {
        let text = "# HELP x_total A counter\n# TYPE x_total counter\nx_total{route=\"/a/{id}\",q=\"say \\\"hi\\\"\"} 3\nup 1 1700000000\n";
        let read = Exposition::parse(text).unwrap();
        assert_eq!(read.samples[0].label("route"), Some("/a/{id}"));
        assert_eq!(read.samples[0].label("q"), Some("say \"hi\""));
        assert_eq!(read.samples[0].value, 3.0);
        assert_eq!(read.types["x_total"], "counter");
        assert!(read.has("up"));
    }

    #[test]
    fn a_malformed_line_is_refused() {
        assert!(Exposition::parse("x_total{route=\"/a} 3\n").is_err());
        assert!(Exposition::parse("x_total 3 three\n").is_err());
        assert!(Exposition::parse("9x 3\n").is_err());
        assert!(Exposition::parse("x{a=b} 3\n").is_err());
    }
}
