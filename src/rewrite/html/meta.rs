//! The document's own charset, from its first `<meta charset>` or `<meta http-equiv=
//! "Content-Type">` in its first [`WINDOW`] bytes and before the first tile: a lol_html pass of
//! its own, run only when a product id is not ASCII and the response header named no charset
//! (tags sit at the same bytes in every encoding lol_html supports, so the main pass does not
//! need it). Both engines read the same bytes for it: the streamed one has sent a listing
//! before it could see a later declaration, and keeps only the window, not the whole head.

use std::cell::Cell;

use encoding_rs::Encoding;
use lol_html::html_content::Element;
use lol_html::{
    ElementContentHandlers, HandlerTypes, HtmlRewriter, MemorySettings, Selector, Settings,
};

use super::scan::MEMORY_LIMIT;

/// How far into the document a charset declaration counts, in bytes. HTML requires it in the
/// first 1,024; real themes put it a little later (Shopify Dawn at byte 1,164), so the window
/// is generous, and it bounds what the streamed engine keeps of every page.
pub(super) const WINDOW: usize = 64 << 10;

/// The charset the document declares for itself: [`meta_encoding`] over its first bytes up to
/// the first tile (`first_tile`) or [`WINDOW`], whichever comes first.
pub(super) fn document_charset(
    input: &[u8],
    first_tile: usize,
    meta: &Selector,
) -> Option<&'static Encoding> {
    let end = first_tile.min(WINDOW).min(input.len());
    meta_encoding(&input[..end], meta)
}

/// The encoding named by the document's first `<meta charset>` or `<meta http-equiv=
/// "Content-Type" content="...; charset=...">`; a pass of its own, stopped at that element.
pub(super) fn meta_encoding(input: &[u8], meta: &Selector) -> Option<&'static Encoding> {
    let found = Cell::new(None);
    let settings = Settings::new()
        .with_memory_settings(MemorySettings::new().with_max_allowed_memory_usage(MEMORY_LIMIT))
        .append_element_content_handler((
            std::borrow::Cow::Borrowed(meta),
            ElementContentHandlers::default().element(|el: &mut Element<'_, '_>| {
                match meta_charset(el) {
                    Some(encoding) => {
                        found.set(Some(encoding));
                        // Stops the pass: nothing after the first charset counts.
                        Err(Found.into())
                    }
                    None => Ok(()),
                }
            }),
        ));
    let mut rewriter = HtmlRewriter::new(settings, |_: &[u8]| {});
    // An error is either the stop above or markup lol_html gives up on; either way the answer
    // is what was found so far.
    if rewriter.write(input).is_ok() {
        let _ = rewriter.end();
    }
    found.get()
}

/// The handler's way to stop [`meta_encoding`]'s pass early.
#[derive(Debug, thiserror::Error)]
#[error("charset found")]
struct Found;

/// The encoding a `<meta charset>` or `<meta http-equiv="Content-Type" content=...>` names.
pub(super) fn meta_charset<H: HandlerTypes>(el: &Element<'_, '_, H>) -> Option<&'static Encoding> {
    if let Some(label) = el.get_attribute("charset") {
        return Encoding::for_label(label.as_bytes());
    }
    let equiv = el.get_attribute("http-equiv")?;
    if !equiv.trim().eq_ignore_ascii_case("content-type") {
        return None;
    }
    let content = el.get_attribute("content")?;
    Encoding::for_label(charset_param(&content)?.as_bytes())
}

/// The `charset=` value of a Content-Type string, unquoted.
fn charset_param(content_type: &str) -> Option<&str> {
    let lower = content_type.to_ascii_lowercase();
    let at = lower.find("charset")? + "charset".len();
    let rest = content_type[at..].trim_start();
    let rest = rest.strip_prefix('=')?.trim_start();
    let value = match rest.as_bytes().first()? {
        q @ (b'"' | b'\'') => rest[1..].split(*q as char).next()?,
        _ => rest.split([';', ' ', '\t']).next()?,
    };
    (!value.is_empty()).then_some(value)
}
