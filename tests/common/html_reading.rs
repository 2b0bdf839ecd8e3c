//! Independent readings of a storefront page for the tests: ids by a per-page regex, tile
//! ranges by a plain lol_html pass, slot-bound data by regex on start tags. None of it uses
//! the engine, so the engine's output is checked against something else.

use std::cell::RefCell;
use std::ops::Range;
use std::rc::Rc;

use lol_html::html_content::{Element, EndTag};
use lol_html::{ElementContentHandlers, EndTagHandler, HtmlRewriter, Settings};
use regex::bytes::Regex;

use crate::pages::Page;

/// Ids in document order, read by a regex written for each page (consecutive repeats, as when
/// a tile names its product twice, count once).
pub fn regex_ids(name: &str, body: &[u8]) -> Vec<String> {
    let pattern = match name {
        "shopify_dawn" => r#"class="loox-rating" data-id="(\d+)""#,
        "shopify_horizon" => {
            r#"class="product-grid__item product-grid__item--\d+" data-page="1" data-product-id="(\d+)""#
        }
        "shopify_venture" => r#"<a href="all/products/([^/.?#"]+)[^"]*" class="product-card""#,
        "woo_woostify" => r#"data-product_id="(\d+)""#,
        "woo_oceanwp" => r#"<li class="post-(\d+) product "#,
        "magento2_grand" | "vtex_shelf" | "bigcommerce_halo" => r#"data-product-id="(\d+)""#,
        other => panic!("no id regex for page {other}"),
    };
    let mut ids: Vec<String> = Vec::new();
    for c in Regex::new(pattern).unwrap().captures_iter(body) {
        let id = String::from_utf8(c[1].to_vec()).unwrap();
        if ids.last() != Some(&id) {
            ids.push(id);
        }
    }
    ids
}

/// Byte ranges of the outermost tiles (each with the companions right after it), found with
/// a plain lol_html pass over `body`.
pub fn units(body: &[u8], tiles: &str, companions: &str) -> Vec<Range<usize>> {
    #[derive(Default)]
    struct St {
        units: Vec<Range<usize>>,
        open: bool,
    }
    let st = Rc::new(RefCell::new(St::default()));
    let close = |st: &Rc<RefCell<St>>, el: &mut Element<'_, '_>| {
        st.borrow_mut().open = true;
        let st = st.clone();
        let h: EndTagHandler<'static> = Box::new(move |end: &mut EndTag<'_>| {
            let mut s = st.borrow_mut();
            s.units.last_mut().unwrap().end = end.source_location().bytes().end;
            s.open = false;
            Ok(())
        });
        el.on_end_tag(h)
    };
    let (s1, s2) = (st.clone(), st.clone());
    let mut settings = Settings::new().append_element_content_handler((
        std::borrow::Cow::Owned(tiles.parse().unwrap()),
        ElementContentHandlers::default().element(move |el: &mut Element<'_, '_>| {
            if s1.borrow().open {
                return Ok(());
            }
            let start = el.source_location().bytes().start;
            s1.borrow_mut().units.push(start..usize::MAX);
            close(&s1, el)
        }),
    ));
    if !companions.is_empty() {
        settings = settings.append_element_content_handler((
            std::borrow::Cow::Owned(companions.parse().unwrap()),
            ElementContentHandlers::default().element(move |el: &mut Element<'_, '_>| {
                let start = el.source_location().bytes().start;
                let follows = {
                    let s = s2.borrow();
                    let last = s.units.last().unwrap();
                    !s.open && body[last.end..start].iter().all(u8::is_ascii_whitespace)
                };
                if follows {
                    close(&s2, el)?;
                }
                Ok(())
            }),
        ));
    }
    let mut rewriter = HtmlRewriter::new(settings, |_: &[u8]| {});
    rewriter.write(body).unwrap();
    rewriter.end().unwrap();
    let units = std::mem::take(&mut st.borrow_mut().units);
    units
}

/// The unit's start tag.
pub fn start_tag(unit: &[u8]) -> &[u8] {
    let re = Regex::new(r#"^<(?:[^>"']|"[^"]*"|'[^']*')*>"#).unwrap();
    re.find(unit).expect("unit starts with a tag").as_bytes()
}

/// The slot-bound data of a unit: its slot class tokens in order, then each slot attribute
/// as written.
pub fn slot_data(page: &Page, unit: &[u8]) -> Vec<Vec<u8>> {
    let tag = start_tag(unit);
    let mut out: Vec<Vec<u8>> = class_tokens(tag)
        .into_iter()
        .filter(|t| {
            page.slot_classes
                .iter()
                .any(|c| c.as_bytes() == t.as_slice())
        })
        .collect();
    for name in &page.slot_attributes {
        let re = Regex::new(&format!(r#"\s{name}="[^"]*""#)).unwrap();
        out.push(
            re.find(tag)
                .map_or_else(Vec::new, |m| m.as_bytes().to_vec()),
        );
    }
    out
}

pub fn class_tokens(tag: &[u8]) -> Vec<Vec<u8>> {
    let re = Regex::new(r#"\sclass="([^"]*)""#).unwrap();
    re.captures(tag).map_or_else(Vec::new, |c| {
        c[1].split(u8::is_ascii_whitespace)
            .filter(|t| !t.is_empty())
            .map(<[u8]>::to_vec)
            .collect()
    })
}

/// The unit without its slot-bound data: slot tokens out of the class (whose tokens are
/// re-joined by single spaces) and slot attributes removed. Everything else as it is.
pub fn strip_slots(page: &Page, unit: &[u8]) -> Vec<u8> {
    let tag = start_tag(unit);
    let mut stripped = tag.to_vec();
    for name in &page.slot_attributes {
        let re = Regex::new(&format!(r#"\s{name}="[^"]*""#)).unwrap();
        stripped = re.replace(&stripped, &b""[..]).into_owned();
    }
    if !page.slot_classes.is_empty() {
        let kept: Vec<Vec<u8>> = class_tokens(&stripped)
            .into_iter()
            .filter(|t| {
                !page
                    .slot_classes
                    .iter()
                    .any(|c| c.as_bytes() == t.as_slice())
            })
            .collect();
        let re = Regex::new(r#"\sclass="[^"]*""#).unwrap();
        let class = [&b" class=\""[..], &kept.join(&b' '), b"\""].concat();
        stripped = re
            .replace(&stripped, regex::bytes::NoExpand(&class))
            .into_owned();
    }
    [&stripped[..], &unit[tag.len()..]].concat()
}

/// Runs of equal items, with their lengths.
pub trait RunLengths {
    fn dedup_by_key_count(&self) -> Vec<(Vec<u8>, usize)>;
}

impl RunLengths for Vec<Vec<u8>> {
    fn dedup_by_key_count(&self) -> Vec<(Vec<u8>, usize)> {
        let mut out: Vec<(Vec<u8>, usize)> = Vec::new();
        for item in self {
            match out.last_mut() {
                Some((last, count)) if last == item => *count += 1,
                _ => out.push((item.clone(), 1)),
            }
        }
        out
    }
}
