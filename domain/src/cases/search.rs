//! Chinese text search without a word splitter. Chinese has no spaces, and
//! most queries are two characters (飞线 must find 飞线充电), so a case is
//! indexed by the character bigrams of its number, description and address.
//! A query's bigrams narrow the candidates through that index; the query's
//! words, as substrings, then decide.

use std::collections::BTreeSet;

use super::Case;

/// The words of a text: runs of letters and digits, lowercased. Punctuation
/// (，。!) and spaces separate them.
fn words(text: &str) -> impl Iterator<Item = Vec<char>> + '_ {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| w.chars().flat_map(char::to_lowercase).collect())
}

fn bigrams_into(text: &str, out: &mut BTreeSet<String>) {
    for word in words(text) {
        for pair in word.windows(2) {
            out.insert(pair.iter().collect());
        }
    }
}

/// The index terms of a case, space-separated, each once.
pub fn search_terms(case: &Case) -> String {
    let mut terms = BTreeSet::new();
    for text in [&case.number, &case.description, &case.address] {
        bigrams_into(text, &mut terms);
    }
    terms.into_iter().collect::<Vec<_>>().join(" ")
}

/// A search as the store runs it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TextQuery {
    /// Every one must be among the case's terms (the index narrows by these).
    pub terms: Vec<String>,
    /// Every one must occur in the number, the description or the address.
    pub words: Vec<String>,
    /// Categories whose names hold every word: their cases match too.
    pub category_codes: Vec<String>,
}

/// Why a query cannot be run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TooShort;

impl TextQuery {
    /// The query `q`; every word needs two characters, since one character
    /// has no bigram to look up.
    ///
    /// # Errors
    /// [`TooShort`] for a query with no word, or with a one-character word.
    pub fn parse(q: &str) -> Result<Self, TooShort> {
        let words: Vec<Vec<char>> = words(q).collect();
        if words.is_empty() || words.iter().any(|w| w.len() < 2) {
            return Err(TooShort);
        }
        let mut terms = BTreeSet::new();
        bigrams_into(q, &mut terms);
        Ok(Self {
            terms: terms.into_iter().collect(),
            words: words.into_iter().map(|w| w.into_iter().collect()).collect(),
            category_codes: Vec::new(),
        })
    }

    /// Whether every word occurs in `names` (a category's names).
    pub fn names_match(&self, names: &[&str]) -> bool {
        let all = names.join(" ").to_lowercase();
        self.words.iter().all(|w| all.contains(w.as_str()))
    }
}

#[cfg(test)]
mod tests {
    use chrono::Utc;

    use super::*;
    use crate::cases::{fixture::case_at, CaseStatus};

    #[test]
    fn a_two_character_query_finds_its_bigram_in_a_longer_phrase() {
        let mut case = case_at(CaseStatus::Reported, Utc::now());
        case.description = "楼道内飞线充电，存在安全隐患。Rubbish by the GATE".into();
        case.address = "和平路5号".into();
        let terms: Vec<String> = search_terms(&case).split(' ').map(str::to_owned).collect();
        let q = TextQuery::parse("飞线").unwrap();
        assert_eq!(q.terms, ["飞线"]);
        assert!(q.terms.iter().all(|t| terms.contains(t)));
        let q = TextQuery::parse("飞线充电 gate").unwrap();
        assert_eq!(q.words, ["飞线充电", "gate"]);
        assert!(q.terms.iter().all(|t| terms.contains(t)), "{q:?} in {terms:?}");
        assert!(terms.contains(&"20".to_owned()), "the number is indexed: {terms:?}");
        assert!(!terms.iter().any(|t| t.contains('，')), "punctuation separates words");
    }

    #[test]
    fn a_query_needs_two_characters_in_every_word() {
        assert_eq!(TextQuery::parse("飞"), Err(TooShort));
        assert_eq!(TextQuery::parse("  ，"), Err(TooShort));
        assert_eq!(TextQuery::parse("飞线 a"), Err(TooShort));
        assert!(TextQuery::parse("垃圾").is_ok());
    }

    #[test]
    fn category_names_match_when_they_hold_every_word() {
        let q = TextQuery::parse("飞线").unwrap();
        assert!(q.names_match(&["飞线充电", "Hanging-wire e-bike charging"]));
        assert!(!q.names_match(&["消防隐患", "Fire hazard"]));
        assert!(TextQuery::parse("FIRE").unwrap().names_match(&["消防隐患", "Fire hazard"]));
    }
}
