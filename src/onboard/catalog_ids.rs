//! The catalog's ids for `suggest --config FILE --category ID`, from Fashion.AI instead of
//! `--ids`: a `categoryView` for the category, sent through the config's `[fashionai]` client
//! (base URL, path, token) with a throwaway session, names the category's products as the
//! catalog spells them; the ones this page's attributes hold are the ids `suggest` is given.
//!
//! Fashion.AI answers an empty ranking while it knows too little of a session (the README,
//! "Fashion.AI API"), so the event is sent up to [`ATTEMPTS`] times for the same throwaway
//! session (`reshelf-suggest-…`), stopping at the first ranking.
//!
//! May depend on `config`, `identity` (the session id) and `ranking` (the Fashion.AI client).

use super::dom::Dom;
use super::ids;
use super::suggest::{suggest, Suggestion};
use super::OnboardError;
use crate::config;
use crate::identity::{self, Shopper};
use crate::ranking::client::{EventBody, FashionAiClient};

/// `categoryView` events sent at most for one throwaway session.
pub const ATTEMPTS: u32 = 3;

/// The product ids Fashion.AI ranks for `category`, best first, never empty.
pub async fn category_view_ids(
    fashionai: &config::FashionAi,
    category: &str,
) -> Result<Vec<String>, OnboardError> {
    let client = FashionAiClient::new(fashionai).map_err(OnboardError::FashionAiClient)?;
    let shopper = Shopper {
        session_id: format!("reshelf-suggest-{}", identity::mint_session_id()),
        user_id: None,
        minted: true,
    };
    let event = EventBody::new("categoryView", &shopper, category);
    for _ in 0..ATTEMPTS {
        let ids = client
            .event_ids(&event)
            .await
            .map_err(|source| OnboardError::CategoryView {
                category: category.to_owned(),
                source,
            })?;
        if !ids.is_empty() {
            return Ok(ids);
        }
    }
    Err(OnboardError::EmptyRanking {
        category: category.to_owned(),
        attempts: ATTEMPTS,
    })
}

/// The ids of `catalog` that the page holds in its attributes, as `suggest` reads ids (a whole
/// value, or a bounded part of one), in the catalog's order.
pub fn on_page(input: &[u8], catalog: &[String]) -> Vec<String> {
    // A plain text search first, so the attribute search runs over the few ids on the page,
    // not over a large category's every id.
    let text = String::from_utf8_lossy(input);
    let candidates: Vec<String> = catalog
        .iter()
        .filter(|id| !id.is_empty() && text.contains(id.as_str()))
        .cloned()
        .collect();
    if candidates.is_empty() {
        return candidates;
    }
    let dom = Dom::parse(input);
    let held: std::collections::BTreeSet<String> = ids::rules_for_ids(&dom, &candidates)
        .into_iter()
        .flat_map(|(_, hits)| hits.into_iter().map(|h| h.id))
        .collect();
    candidates
        .into_iter()
        .filter(|id| held.contains(id))
        .collect()
}

/// `suggest` given the ids of `catalog` (a `categoryView` answer for `category`) that the
/// page holds; says how many there were, and that no block fits when none is on the page.
pub fn suggest_from_catalog(
    input: &[u8],
    charset: Option<&str>,
    category: &str,
    catalog: &[String],
) -> Suggestion {
    let present = on_page(input, catalog);
    let mut found = if present.is_empty() {
        Suggestion {
            notes: vec![format!(
                "none of them appears in an attribute of this page: is it the page of category \
                 {category:?}, and does the page spell product ids as Fashion.AI does?"
            )],
            ..Suggestion::default()
        }
    } else {
        suggest(input, charset, &present)
    };
    found.notes.insert(
        0,
        format!(
            "ids from Fashion.AI: categoryView for category {category:?} ranked {} product(s), \
             {} of them in this page's attributes",
            catalog.len(),
            present.len()
        ),
    );
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_catalog_ids_the_page_holds_in_attributes() {
        let page = br#"<ul><li data-id="a1">A</li><li><a href="/p/b2">B</a></li></ul>
            <p>c3 is mentioned in text only; a10 is not a1</p>"#;
        let catalog: Vec<String> = ["b2", "c3", "a1", "zz"].map(String::from).to_vec();
        assert_eq!(on_page(page, &catalog), ["b2", "a1"]);
        let s = suggest_from_catalog(page, None, "x", &["zz".to_owned()]);
        assert!(s.block.is_none());
        assert!(
            s.notes[0].contains("ranked 1 product(s), 0 of them"),
            "{:?}",
            s.notes
        );
        assert!(s.notes[1].contains("none of them"), "{:?}", s.notes);
    }
}
