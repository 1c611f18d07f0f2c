//! The route template a path belongs to, for metrics labels. Asking actix
//! (`match_pattern`) runs every route's regular expression again on each
//! request, which under overload cost more than refusing the request did;
//! this compares segments only.

/// The published routes, as segments (`None` for a `{parameter}`).
pub(crate) struct RouteTemplates {
    routes: Vec<(String, Vec<Option<String>>)>,
}

impl RouteTemplates {
    pub(crate) fn new<'a>(templates: impl IntoIterator<Item = &'a str>) -> Self {
        let routes = templates
            .into_iter()
            .map(|t| {
                let segments = t
                    .trim_start_matches('/')
                    .split('/')
                    .map(|s| (!(s.starts_with('{') && s.ends_with('}'))).then(|| s.to_owned()))
                    .collect();
                (t.to_owned(), segments)
            })
            .collect();
        Self { routes }
    }

    /// The template `path` matches, the one with most literal segments when
    /// several do (`/cases/nearby` before `/cases/{id}`); `unmatched` for none.
    pub(crate) fn of(&self, path: &str) -> &str {
        let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        let mut best: Option<(&str, usize)> = None;
        for (template, pattern) in &self.routes {
            if pattern.len() != segments.len() {
                continue;
            }
            let mut literals = 0;
            let fits = pattern.iter().zip(&segments).all(|(p, s)| match p {
                Some(literal) => {
                    literals += 1;
                    literal == s
                }
                None => !s.is_empty(),
            });
            if fits && best.is_none_or(|(_, n)| literals > n) {
                best = Some((template, literals));
            }
        }
        best.map_or("unmatched", |(t, _)| t)
    }
}

#[cfg(test)]
mod tests {
    use super::RouteTemplates;

    #[test]
    fn a_literal_segment_wins_over_a_parameter() {
        let routes = RouteTemplates::new(["/api/v1/cases/{id}", "/api/v1/cases/nearby", "/api/v1/cases", "/healthz"]);
        assert_eq!(routes.of("/api/v1/cases/nearby"), "/api/v1/cases/nearby");
        assert_eq!(routes.of("/api/v1/cases/0b7b2c6e"), "/api/v1/cases/{id}");
        assert_eq!(routes.of("/api/v1/cases"), "/api/v1/cases");
        assert_eq!(routes.of("/api/v1/cases/"), "unmatched", "an empty parameter is no parameter");
        assert_eq!(routes.of("/api/v1/cases/a/b"), "unmatched");
        assert_eq!(routes.of("/nowhere"), "unmatched");
    }
}
