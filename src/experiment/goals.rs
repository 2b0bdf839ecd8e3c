//! A goal's route: a path pattern where `{any}` matches exactly one non-empty path segment
//! (`/api/cart/{any}` matches `/api/cart/42`, not `/api/cart/` nor `/api/cart/42/items`).
//! Matching is exact on the raw request path, as for `[[pages]]` routes.

/// The placeholder for one path segment.
pub const ANY: &str = "{any}";

/// A parsed goal path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GoalPattern {
    /// The pattern split at `/`; `None` stands for `{any}`.
    segments: Vec<Option<String>>,
}

/// Why a goal path is not a pattern.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PatternError {
    #[error("{0:?} must start with \"/\"")]
    NoLeadingSlash(String),
    #[error("{0:?} must be a path only (ASCII, no spaces, no \"?\" or \"#\")")]
    NotAPath(String),
    #[error("{0:?}: a placeholder must be a whole segment, and the only one is {ANY}")]
    Placeholder(String),
}

impl GoalPattern {
    pub fn parse(path: &str) -> Result<Self, PatternError> {
        if !path.starts_with('/') {
            return Err(PatternError::NoLeadingSlash(path.to_owned()));
        }
        if path.contains(['?', '#']) || !path.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(PatternError::NotAPath(path.to_owned()));
        }
        let segments = path[1..]
            .split('/')
            .map(|s| match s {
                ANY => Ok(None),
                s if s.contains(['{', '}']) => Err(PatternError::Placeholder(path.to_owned())),
                s => Ok(Some(s.to_owned())),
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(GoalPattern { segments })
    }

    /// Whether a request path matches.
    pub fn matches(&self, path: &str) -> bool {
        let Some(rest) = path.strip_prefix('/') else {
            return false;
        };
        let mut parts = rest.split('/');
        for want in &self.segments {
            match (want, parts.next()) {
                (None, Some(seg)) if !seg.is_empty() => {}
                (Some(lit), Some(seg)) if lit == seg => {}
                _ => return false,
            }
        }
        parts.next().is_none()
    }
}

impl std::fmt::Display for GoalPattern {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for seg in &self.segments {
            write!(f, "/{}", seg.as_deref().unwrap_or(ANY))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literal_and_any_segments() {
        let p = GoalPattern::parse("/api/cart/{any}").unwrap();
        assert!(p.matches("/api/cart/42"));
        for no in [
            "/api/cart/",
            "/api/cart",
            "/api/cart/42/items",
            "/api/carts/42",
            "api/cart/1",
        ] {
            assert!(!p.matches(no), "{no}");
        }
        let exact = GoalPattern::parse("/cart/add").unwrap();
        assert!(exact.matches("/cart/add"));
        assert!(!exact.matches("/cart/add/"));
        assert_eq!(p.to_string(), "/api/cart/{any}");
    }

    #[test]
    fn bad_patterns() {
        assert!(matches!(
            GoalPattern::parse("cart"),
            Err(PatternError::NoLeadingSlash(_))
        ));
        assert!(matches!(
            GoalPattern::parse("/a?b=1"),
            Err(PatternError::NotAPath(_))
        ));
        assert!(matches!(
            GoalPattern::parse("/a/{id}"),
            Err(PatternError::Placeholder(_))
        ));
        assert!(matches!(
            GoalPattern::parse("/a/x{any}"),
            Err(PatternError::Placeholder(_))
        ));
    }
}
