//! The stream's lol_html handlers: the buffered scan's (`Scan`'s methods), behind a mutex so
//! that the rewriter is `Send`, plus where regions open and become complete; and its output
//! sink, which only counts.

use std::borrow::Cow::Borrowed;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use lol_html::Selector;

/// lol_html's output: the input bytes it has read, only counted.
pub(super) struct Sink(pub(super) Arc<AtomicUsize>);

impl OutputSink for Sink {
    fn handle_chunk(&mut self, chunk: &[u8]) {
        // The sink is the only writer: a plain load and store, not a locked add, which
        // lol_html's call per token made a visible cost.
        let read = self.0.load(Ordering::Relaxed);
        self.0.store(read + chunk.len(), Ordering::Relaxed);
    }
}

pub(super) type SharedRef = Arc<Mutex<Shared>>;

pub(super) fn lock(shared: &SharedRef) -> MutexGuard<'_, Shared> {
    // A handler that panicked leaves nothing half-written that matters more than the bytes.
    shared.lock().unwrap_or_else(PoisonError::into_inner)
}

use super::*;

/// Settings with every handler the stream needs; `carriers`: the pass's carrier selector.
pub(super) fn handlers<'s>(
    rules: &'s Arc<Rules>,
    shared: &SharedRef,
    carriers: Option<&'s Selector>,
) -> Settings<'static, 's> {
    let mut settings = Settings::new_send();

    let s = shared.clone();
    let templates = move |el: &mut Element<'_, '_>| {
        lock(&s).scan.template_start();
        let s = s.clone();
        on_end(el, move |_| lock(&s).scan.template_end())
    };

    let (s, r) = (shared.clone(), rules.clone());
    let tiles = move |el: &mut Element<'_, '_>| {
        let mut guard = lock(&s);
        let Shared {
            held,
            base,
            scan,
            regions,
            ..
        } = &mut *guard;
        let doc = Doc {
            bytes: held,
            base: *base,
        };
        let index = scan.tiles.len();
        let open = scan.tile_start(doc, &r, el);
        if let Some(tile) = scan.tiles.get(index) {
            if regions.last().is_none_or(|region| region.complete) {
                regions.push(Region {
                    first: index,
                    start: tile.start,
                    parent: tile.parent,
                    complete: false,
                });
            }
        }
        drop(guard);
        match open {
            Some(index) => close_unit(el, &s, index),
            None => Ok(()),
        }
    };

    let s = shared.clone();
    let companions = move |el: &mut Element<'_, '_>| {
        let mut guard = lock(&s);
        let Shared {
            held, base, scan, ..
        } = &mut *guard;
        let doc = Doc {
            bytes: held,
            base: *base,
        };
        let open = scan.companion_start(doc, el);
        drop(guard);
        match open {
            Some(index) => close_unit(el, &s, index),
            None => Ok(()),
        }
    };

    let s = shared.clone();
    let parents = move |el: &mut Element<'_, '_>| {
        if !el.can_have_content() {
            return Ok(());
        }
        let start = el.source_location().bytes().start;
        let depth = lock(&s).scan.parent_start(start);
        let s = s.clone();
        on_end(el, move |_| {
            let mut s = lock(&s);
            s.scan.parent_end(depth);
            if let Some(region) = s.regions.last_mut() {
                if region.parent == start {
                    region.complete = true;
                }
            }
        })
    };

    let (s, r) = (shared.clone(), rules.clone());
    let id_carriers = move |el: &mut Element<'_, '_>| {
        let mut guard = lock(&s);
        let Shared {
            held, base, scan, ..
        } = &mut *guard;
        let doc = Doc {
            bytes: held,
            base: *base,
        };
        scan.carrier(doc, &r, el);
        Ok(())
    };

    settings = settings
        .append_element_content_handler((
            Borrowed(&rules.template),
            ElementContentHandlers::default().element(templates),
        ))
        .append_element_content_handler((
            Borrowed(&rules.tiles),
            ElementContentHandlers::default().element(tiles),
        ));
    if let Some(selector) = &rules.companions {
        settings = settings.append_element_content_handler((
            Borrowed(selector),
            ElementContentHandlers::default().element(companions),
        ));
    }
    settings = settings.append_element_content_handler((
        Borrowed(&rules.parents),
        ElementContentHandlers::default().element(parents),
    ));
    if let Some(selector) = carriers {
        settings = settings.append_element_content_handler((
            Borrowed(selector),
            ElementContentHandlers::default().element(id_carriers),
        ));
    }
    settings
}

/// Registers the end tag handler that closes tile `index` (or its companion).
fn close_unit(el: &mut Element<'_, '_>, s: &SharedRef, index: usize) -> HandlerResult {
    let s = s.clone();
    let start = el.source_location().bytes().start;
    on_end(el, move |end: &mut EndTag<'_>| {
        lock(&s)
            .scan
            .unit_end(index, start, end.source_location().bytes())
    })
}

fn on_end(
    el: &mut Element<'_, '_>,
    f: impl FnOnce(&mut EndTag<'_>) + Send + 'static,
) -> HandlerResult {
    let handler: EndTagHandler<'static> = Box::new(move |end: &mut EndTag<'_>| {
        f(end);
        Ok(())
    });
    el.on_end_tag(handler)
}
