//! Listing-page routes: the `[[pages]] path` / `id_query` pair, parsed once at config load and
//! matched against every request's path and query.
//!
//! Matching is exact on the raw (still percent-encoded) request path: `/category/{id}` does not
//! match `/category/shoes/`, and `/catalog` does not match `/catalog/`. A shop whose listing
//! URLs end in `/` writes the slash into the pattern (`/product-category/{id}/`). Guessing at
//! trailing slashes would personalize URLs the origin may treat as different pages.
//!
//! Depends on nothing else in the crate.

use std::borrow::Cow;

/// The placeholder that captures the category id in a `[[pages]] path`.
pub const ID_PLACEHOLDER: &str = "{id}";

/// A `[[pages]]` route: literal text around an optional `{id}` capture, or an exact path with
/// the id in a query parameter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// `prefix{id}suffix`. The id is the text between the literal prefix and suffix of the raw
    /// request path: non-empty, without `/` (so it lies within one path segment), and
    /// percent-decoded to UTF-8. `/category/{id}` and Magento-style `/{id}.html` are both
    /// this kind.
    PathId { prefix: String, suffix: String },
    /// Exact path; the id is the (decoded, non-empty) value of the first occurrence of query
    /// parameter `param`.
    QueryId { path: String, param: String },
}

impl Route {
    /// Builds a route from a page's `path` and `id_query` (`""` = none), or says what is wrong
    /// as `(key, message)` pairs, `key` being `path` or `id_query`.
    pub fn parse(path: &str, id_query: &str) -> Result<Route, Vec<(&'static str, String)>> {
        let mut problems = Vec::new();
        if !path.starts_with('/') {
            problems.push(("path", format!("{path:?} must start with \"/\"")));
        }
        if let Some(bad) = path.chars().find(|c| !c.is_ascii_graphic()) {
            problems.push((
                "path",
                format!(
                    "{path:?} contains {bad:?}; write the path as it appears in the request \
                     line (ASCII, other characters percent-encoded)"
                ),
            ));
        }
        if path.contains(['?', '#']) {
            problems.push((
                "path",
                format!("{path:?} must be a path only (no \"?\" or \"#\"); use id_query for a query parameter"),
            ));
        }
        let holes = path.matches(ID_PLACEHOLDER).count();
        // Any other brace is most likely a misspelt placeholder such as `{category}`.
        let stray_brace = path.replace(ID_PLACEHOLDER, "").contains(['{', '}']);
        if stray_brace {
            problems.push((
                "path",
                format!("{path:?}: the only placeholder is {ID_PLACEHOLDER}"),
            ));
        }
        if holes > 1 {
            problems.push((
                "path",
                format!("{path:?} contains {ID_PLACEHOLDER} {holes} times; at most once"),
            ));
        }
        match (holes, id_query.is_empty()) {
            // A misspelt placeholder was reported above, in more useful words.
            (0, true) if stray_brace => {}
            (0, true) => problems.push((
                "path",
                format!("{path:?} has no {ID_PLACEHOLDER}; put {ID_PLACEHOLDER} in the path or set id_query"),
            )),
            (1.., false) => problems.push((
                "id_query",
                format!(
                    "set either {ID_PLACEHOLDER} in the path or id_query = {id_query:?}, not both"
                ),
            )),
            _ => {}
        }
        if !id_query.is_empty()
            && id_query
                .chars()
                .any(|c| c.is_whitespace() || c.is_control())
        {
            problems.push((
                "id_query",
                format!("{id_query:?} is not a usable query parameter name"),
            ));
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        Ok(match path.split_once(ID_PLACEHOLDER) {
            Some((prefix, suffix)) => Route::PathId {
                prefix: prefix.to_owned(),
                suffix: suffix.to_owned(),
            },
            None => Route::QueryId {
                path: path.to_owned(),
                param: id_query.to_owned(),
            },
        })
    }

    /// The category id when `path` (raw, percent-encoded) and `query` (raw, without `?`) match
    /// this route; `None` otherwise, including when the id would be empty or is not UTF-8.
    pub fn match_request(&self, path: &str, query: Option<&str>) -> Option<String> {
        match self {
            Route::PathId { prefix, suffix } => {
                let middle = path.strip_prefix(prefix.as_str())?;
                let id = middle.strip_suffix(suffix.as_str())?;
                if id.is_empty() || id.contains('/') {
                    return None;
                }
                let decoded = percent_encoding::percent_decode_str(id)
                    .decode_utf8()
                    .ok()?;
                non_empty(decoded)
            }
            Route::QueryId { path: want, param } => {
                if path != want {
                    return None;
                }
                let (_, value) = form_urlencoded::parse(query?.as_bytes())
                    .find(|(name, _)| name == param.as_str())?;
                non_empty(value)
            }
        }
    }

    /// The pattern as an operator wrote it, for messages.
    pub fn pattern(&self) -> String {
        match self {
            Route::PathId { prefix, suffix } => format!("{prefix}{ID_PLACEHOLDER}{suffix}"),
            Route::QueryId { path, param } => format!("{path}?{param}=..."),
        }
    }

    /// True when every request this route matches is already matched by `earlier`, so this
    /// route, listed after it, could never win.
    pub fn is_shadowed_by(&self, earlier: &Route) -> bool {
        match (self, earlier) {
            (a, b) if a == b => true,
            // A path-id route matches regardless of the query, so it takes every request for
            // a query route whose exact path it also matches.
            (Route::QueryId { path, .. }, Route::PathId { .. }) => {
                earlier.match_request(path, None).is_some()
            }
            _ => false,
        }
    }
}

fn non_empty(id: Cow<'_, str>) -> Option<String> {
    (!id.is_empty()).then(|| id.into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path_id(pattern: &str) -> Route {
        Route::parse(pattern, "").expect("valid pattern")
    }

    #[test]
    fn path_id_captures_one_segment() {
        let r = path_id("/category/{id}");
        assert_eq!(
            r.match_request("/category/shoes", None).as_deref(),
            Some("shoes")
        );
        assert_eq!(
            r.match_request("/category/shoes", Some("page=2"))
                .as_deref(),
            Some("shoes")
        );
        assert_eq!(r.match_request("/category/", None), None);
        assert_eq!(r.match_request("/category/shoes/red", None), None);
        assert_eq!(r.match_request("/category", None), None);
        assert_eq!(r.match_request("/categoryshoes", None), None);
    }

    #[test]
    fn path_id_is_exact_about_trailing_slashes() {
        let r = path_id("/category/{id}");
        assert_eq!(r.match_request("/category/shoes/", None), None);
        let slash = path_id("/product-category/{id}/");
        assert_eq!(
            slash
                .match_request("/product-category/hats/", None)
                .as_deref(),
            Some("hats")
        );
        assert_eq!(slash.match_request("/product-category/hats", None), None);
    }

    #[test]
    fn path_id_with_suffix_inside_a_segment_and_after() {
        let magento = path_id("/{id}.html");
        assert_eq!(
            magento.match_request("/sofa.html", None).as_deref(),
            Some("sofa")
        );
        assert_eq!(magento.match_request("/a/sofa.html", None), None);
        assert_eq!(magento.match_request("/.html", None), None);
        let api = path_id("/api/categories/{id}/products");
        assert_eq!(
            api.match_request("/api/categories/7/products", None)
                .as_deref(),
            Some("7")
        );
        assert_eq!(
            api.match_request("/api/categories/7/products/x", None),
            None
        );
    }

    #[test]
    fn path_id_is_percent_decoded() {
        let r = path_id("/category/{id}");
        assert_eq!(
            r.match_request("/category/t%C3%AAnis", None).as_deref(),
            Some("tênis")
        );
        assert_eq!(
            r.match_request("/category/a%2Fb", None).as_deref(),
            Some("a/b")
        );
        // Not UTF-8 once decoded: not a category id we could send.
        assert_eq!(r.match_request("/category/%FF", None), None);
    }

    #[test]
    fn query_id_needs_exact_path_and_non_empty_param() {
        let r = Route::parse("/catalog", "cat").expect("valid");
        assert_eq!(
            r.match_request("/catalog", Some("cat=shoes")).as_deref(),
            Some("shoes")
        );
        assert_eq!(
            r.match_request("/catalog", Some("page=2&cat=t%C3%AAnis+x"))
                .as_deref(),
            Some("tênis x")
        );
        assert_eq!(r.match_request("/catalog", Some("cat=")), None);
        assert_eq!(r.match_request("/catalog", Some("category=shoes")), None);
        assert_eq!(r.match_request("/catalog", None), None);
        assert_eq!(r.match_request("/catalog/", Some("cat=shoes")), None);
        assert_eq!(r.match_request("/catalogue", Some("cat=shoes")), None);
    }

    #[test]
    fn query_id_takes_the_first_occurrence() {
        let r = Route::parse("/catalog", "cat").expect("valid");
        assert_eq!(
            r.match_request("/catalog", Some("cat=a&cat=b")).as_deref(),
            Some("a")
        );
    }

    #[test]
    fn parse_rejects_bad_patterns_with_keys() {
        let keys = |p: &str, q: &str| -> Vec<&'static str> {
            Route::parse(p, q)
                .expect_err("invalid")
                .into_iter()
                .map(|(k, _)| k)
                .collect()
        };
        assert_eq!(keys("category/{id}", ""), ["path"]);
        assert_eq!(keys("/a/{id}/{id}", ""), ["path"]);
        assert_eq!(keys("/a/{category}", ""), ["path"]);
        assert_eq!(keys("/a", ""), ["path"]);
        assert_eq!(keys("/a/{id}", "cat"), ["id_query"]);
        assert_eq!(keys("/a?x=1", "cat"), ["path"]);
        assert_eq!(keys("/a b/{id}", ""), ["path"]);
    }

    #[test]
    fn shadowing() {
        let cat = path_id("/c/{id}");
        assert!(path_id("/c/{id}").is_shadowed_by(&cat));
        assert!(Route::parse("/c/all", "cat")
            .expect("valid")
            .is_shadowed_by(&cat));
        assert!(!path_id("/c/{id}/p").is_shadowed_by(&cat));
        assert!(!cat.is_shadowed_by(&Route::parse("/c/all", "cat").expect("valid")));
    }
}
