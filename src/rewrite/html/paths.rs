//! The chain of elements from a tile down to its id carrier (tag names and places among their
//! siblings), for the narrowest carrier selectors (`{tiles} > div:nth-child(1) >
//! span:nth-child(2)[attr]` or `{tiles} > div > span[attr]`, see `carriers`).
//!
//! Found by a lol_html pass of its own over the tile's bytes, run only while the rules learn
//! (after an exact read), never on the steady path. The pass follows lol_html's open-element
//! stack the way its selector matching does (every element that can have content is pushed;
//! an end tag pops back to the element it closes), so the path is the one a child-combinator
//! selector sees. In the rare markup where the tile read on its own parses differently from
//! the tile in its page (foreign content, an end tag for an ancestor outside the tile), the
//! path is merely useless: the page read with it fails the completeness check and is read
//! again exactly (see `carriers`).

use std::borrow::Cow;
use std::cell::RefCell;
use std::rc::Rc;

use lol_html::html_content::Element;
use lol_html::{ElementContentHandlers, HtmlRewriter, MemorySettings, Selector, Settings};

use super::scan::MEMORY_LIMIT;

/// One element of a path: its lowercase tag name and its place among its parent's element
/// children, from 1 (what `:nth-child` counts).
pub(super) type Step = (String, usize);

/// What the pass tracks: the open elements (each a step and how many children it has had so
/// far), the fragment's top-level count, and the answer once found.
#[derive(Default)]
struct Walk {
    open: Vec<(Step, usize)>,
    top_level: usize,
    found: Option<Vec<Step>>,
}

/// The steps from below the fragment's first element down to the element starting at byte
/// `target` of `fragment` (inclusive); `None` if no element starts there.
///
/// `fragment` starts with the tile's start tag; `every` is the selector `*`.
pub(super) fn carrier_path(fragment: &[u8], target: usize, every: &Selector) -> Option<Vec<Step>> {
    let state: Rc<RefCell<Walk>> = Rc::default();
    let s = state.clone();
    let handler = move |el: &mut Element<'_, '_>| {
        let mut walk = s.borrow_mut();
        if walk.found.is_some() {
            return Ok(());
        }
        // lol_html counts every element as a child of the open element above it.
        let place = match walk.open.last_mut() {
            Some((_, children)) => children,
            None => &mut walk.top_level,
        };
        *place += 1;
        let step = (el.tag_name(), *place);
        if el.source_location().bytes().start == target {
            let mut path: Vec<Step> = walk.open.iter().skip(1).map(|(s, _)| s.clone()).collect();
            path.push(step);
            walk.found = Some(path);
            // Nothing after the carrier matters: stop the pass.
            return Err(Found.into());
        }
        if el.can_have_content() {
            let depth = walk.open.len();
            walk.open.push((step, 0));
            drop(walk);
            let s = s.clone();
            // An end tag pops every element above the one it closes: cut back to its depth.
            el.on_end_tag(Box::new(move |_| {
                s.borrow_mut().open.truncate(depth);
                Ok(())
            }))?;
        }
        Ok(())
    };
    let settings = Settings::new()
        .with_memory_settings(MemorySettings::new().with_max_allowed_memory_usage(MEMORY_LIMIT))
        .append_element_content_handler((
            Cow::Borrowed(every),
            ElementContentHandlers::default().element(handler),
        ));
    let mut rewriter = HtmlRewriter::new(settings, |_: &[u8]| {});
    // An error is the stop above, or a fragment lol_html rejects; either way the answer is
    // what was found (a rejected fragment has no path, and the caller does without paths).
    if rewriter.write(fragment).is_ok() {
        let _ = rewriter.end();
    }
    let found = state.borrow_mut().found.take();
    found
}

/// The handler's way to stop [`carrier_path`]'s pass at the carrier.
#[derive(Debug, thiserror::Error)]
#[error("carrier found")]
struct Found;

#[cfg(test)]
mod tests {
    use super::*;

    fn path(fragment: &str, target: &str) -> Option<Vec<(String, usize)>> {
        let at = fragment.find(target).expect("target in fragment");
        carrier_path(fragment.as_bytes(), at, &"*".parse().unwrap())
    }

    fn steps(list: &[(&str, usize)]) -> Vec<(String, usize)> {
        list.iter().map(|&(n, i)| (n.to_owned(), i)).collect()
    }

    #[test]
    fn follows_the_open_elements() {
        let tile =
            "<li><div><img src=x><p>a<span>b</span></p><DIV><A data-id=1>x</A></DIV></div></li>";
        assert_eq!(
            path(tile, "<A data-id").unwrap(),
            steps(&[("div", 1), ("div", 3), ("a", 1)])
        );
        // An end tag for an outer element pops the inner ones with it, as in lol_html: the
        // link is the list item's second child.
        let tile = "<li><div><b><i></div><a data-id=1></a></li>";
        assert_eq!(path(tile, "<a data").unwrap(), steps(&[("a", 2)]));
        assert_eq!(path(tile, "</li>"), None);
    }
}
