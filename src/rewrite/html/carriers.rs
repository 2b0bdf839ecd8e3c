//! Which elements inside tiles lol_html must test for the product id attribute.
//!
//! The exact rule is "the first descendant carrying the attribute": the selector
//! `{tiles} [attr]`. lol_html evaluates it by re-lexing every start tag inside every tile for
//! its attributes, which costs up to half the parse. Carriers in one storefront template have
//! one or two tag names (`a`, `div`, `span`), and lol_html tests tag names first, so
//! `{tiles} a[attr]` is nearly free. The names are learned from the pages themselves:
//!
//! - until a page has been read with the exact selector, the exact selector is used, and the tag
//!   names of the carriers it found are remembered in the rules (shared by all their clones);
//! - with the names, the chains of elements from tile to carrier are learned too (see
//!   `paths`), with their places among their siblings (`{tiles} > div:nth-child(1) >
//!   span:nth-child(2)[attr]`) and without (`{tiles} > div > span[attr]`): lol_html then reads
//!   the attributes of only the few elements at those places, where `{tiles} span[attr]`
//!   reads every `span` in every tile (on Shopify Dawn, a `div` carrier among ~17 `div`s per
//!   tile), and `:nth-child` is free (lol_html counts children anyway). The first kind of
//!   path is used while there are at most [`MAX_PATHS`] of them and reads with them turned
//!   out complete, else the second on the same terms, else the names;
//! - afterwards the page is read with the narrowed selector, and then checked: for every tile
//!   without its own id, the attribute name must not occur (in any case, as an attribute name
//!   would be delimited) before the carrier found, or anywhere in the tile if none was found.
//!   A miss is impossible without such an occurrence, so if there is none the result is the
//!   exact one; otherwise the page is read again with the exact selector and the new names
//!   are learned. Text that merely looks like the attribute costs that second read, never a
//!   wrong id;
//! - when the carriers of the last exactly read page sat on average within [`DIRECT_REACH`]
//!   bytes of their tiles' start tags, pages are read with no carrier selector at all and the
//!   carriers are read from the tiles' bytes (`direct`); the first page whose markup that
//!   reader is unsure of is read with the narrowed selector, and so is every page after it.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use arc_swap::ArcSwapOption;
use lol_html::Selector;
use regex::bytes::Regex;

use super::rules::{css_ident, is_html_space};
use super::scan::{Scan, Tile};

/// Beyond this many distinct carrier tag names the narrowed selector is no longer worth it.
const MAX_NAMES: usize = 8;

/// Beyond this many distinct tile-to-carrier paths of a kind, that kind is given up.
const MAX_PATHS: usize = 8;

/// Tiles whose path one learning step finds at most: each is a lol_html pass of its own with a
/// handler on every element up to the carrier (~2-10 µs), and the first few tiles of a page
/// show its variants; one missed later is learned when a read misses it.
const MAX_WALKS: usize = 16;

/// How far into a tile, on average, carriers may sit for `direct` to read them from the bytes
/// instead of lol_html's selector, in bytes. Reading costs per tag before the carrier, the
/// selector per carrier; see BENCHMARKS.md "HTML rewrite" for the measurements.
const DIRECT_REACH: usize = 256;

/// The kinds of paths, in order of preference: with `:nth-child` places, with names only.
const PLACED: usize = 0;
const NAMED: usize = 1;

/// The carrier selectors of one set of rules, and what has been learned about its pages.
#[derive(Debug)]
pub(super) struct Carriers {
    /// `{tiles} [attr]`.
    pub exact: Selector,
    /// Each tile selector of the list, to build `{part} name[attr]`.
    parts: Box<[Box<str>]>,
    /// The attribute name, escaped for CSS.
    attr_css: Box<str>,
    /// The attribute name, ASCII case-insensitive.
    attr_name: Regex,
    attr_len: usize,
    /// `*`, for the path pass.
    every: Selector,
    /// `[attr]`, for reading one tile's carrier on its own (`stream`).
    pub any: Selector,
    learned: ArcSwapOption<Learned>,
    /// Cleared for good once a page's carriers could not be read from its bytes: the
    /// storefront's tiles hold markup outside what `direct` reads (scripts, SVG icons).
    direct: AtomicBool,
}

/// Carrier tag names and paths seen so far and the selector for them.
#[derive(Debug)]
pub(super) struct Learned {
    /// Sorted, lowercase.
    names: Vec<Box<str>>,
    /// Sorted child-combinator chains from a tile to a carrier, of the kinds [`PLACED`]
    /// (`> div:nth-child(1) > span:nth-child(2)`) and [`NAMED`] (`> div > span`); `None` once
    /// that kind is given up (a path could not be found, too many, or a read with them missed
    /// a carrier that the exact read then found on a known path).
    paths: [Option<Vec<Box<str>>>; 2],
    /// `None` when no tile needed a carrier: tiles carry their ids themselves.
    selector: Option<Selector>,
    /// Which kind of `paths` the selector is built from, if any.
    by_path: Option<usize>,
    /// Too many names, or one lol_html cannot take: read every page exactly.
    exact: bool,
    /// The carriers of the last exactly read page sat close enough to their tiles' start tags
    /// for reading them from the bytes to beat lol_html's selector (see [`DIRECT_REACH`]).
    near: bool,
}

impl Learned {
    /// The narrowed selector; `None`: read ids from tiles only.
    pub(super) fn selector(&self) -> Option<&Selector> {
        self.selector.as_ref()
    }
}

/// What to read a page with.
pub(super) enum Plan {
    /// The exact selector.
    Exact,
    /// No carrier selector: carriers are read from the tiles' bytes (see `direct`); if that
    /// is unsure, the narrowed selector as in [`Plan::Narrowed`].
    Direct(Arc<Learned>),
    /// The narrowed selector, to be checked with [`Carriers::complete`].
    Narrowed(Arc<Learned>),
}

impl Carriers {
    /// `parts` are the tile selectors of the list; `attr` the id attribute, lowercase.
    pub(super) fn new(parts: Vec<Box<str>>, attr: &str) -> Result<Self, String> {
        let attr_css = css_ident(attr);
        let exact = parts
            .iter()
            .map(|part| format!("{part} [{attr_css}]"))
            .collect::<Vec<_>>()
            .join(", ");
        let exact = exact.parse().map_err(|e| format!("{exact:?}: {e}"))?;
        let attr_name = Regex::new(&format!("(?i-u){}", regex::escape(attr)))
            .map_err(|e| format!("attribute name as a pattern: {e}"))?;
        let any = format!("[{attr_css}]");
        let any = any.parse().map_err(|e| format!("{any}: {e}"))?;
        Ok(Self {
            exact,
            parts: parts.into_boxed_slice(),
            attr_css: attr_css.into_boxed_str(),
            attr_name,
            attr_len: attr.len(),
            every: "*".parse().map_err(|e| format!("\"*\": {e}"))?,
            any,
            learned: ArcSwapOption::empty(),
            direct: AtomicBool::new(true),
        })
    }

    pub(super) fn plan(&self) -> Plan {
        match self.learned.load_full() {
            Some(learned) if learned.exact => Plan::Exact,
            Some(learned) if learned.near && self.direct.load(Ordering::Relaxed) => {
                Plan::Direct(learned)
            }
            Some(learned) => Plan::Narrowed(learned),
            None => Plan::Exact,
        }
    }

    /// Stops reading carriers from the bytes: a page had tiles `direct` cannot read.
    pub(super) fn not_direct(&self) {
        self.direct.store(false, Ordering::Relaxed);
    }

    /// True if a page read with a narrowed selector got every tile's first carrier.
    pub(super) fn complete(&self, input: &[u8], scan: &Scan) -> bool {
        scan.tiles
            .iter()
            .all(|tile| self.tile_complete(input, tile))
    }

    /// True if a read with a narrowed selector got `tile`'s first carrier (or its own id).
    pub(super) fn tile_complete(&self, input: &[u8], tile: &Tile) -> bool {
        let own_id = tile.id.is_some() && tile.carrier.is_none();
        own_id
            || !self.occurs(
                input,
                tile.tag_end,
                tile.carrier.unwrap_or(tile.content_end),
            )
    }

    /// Whether the attribute name occurs as an attribute name could be delimited (after
    /// whitespace, `/` or a quote; before whitespace, `/`, `>` or `=`), starting in
    /// `start..end`.
    fn occurs(&self, input: &[u8], start: usize, end: usize) -> bool {
        let hay = &input[..(end + self.attr_len + 1).min(input.len())];
        let mut at = start;
        while let Some(found) = self.attr_name.find_at(hay, at) {
            if found.start() >= end {
                return false;
            }
            let before = found.start().checked_sub(1).map(|i| input[i]);
            let after = input.get(found.end()).copied();
            let opens = before.is_some_and(|b| is_html_space(b) || b"/\"'".contains(&b));
            let closes = after.is_none_or(|b| is_html_space(b) || b"/>=".contains(&b));
            if opens && closes {
                return true;
            }
            at = found.start() + 1;
        }
        false
    }

    /// Remembers the tag names and paths of the carriers an exact read found.
    ///
    /// `missed`: the page was first read with a narrowed selector built from `Learned`, which
    /// gave `Scan` and missed a carrier. If that selector came from paths and missed a carrier
    /// on a path of that kind already known, that kind does not describe these pages as
    /// lol_html reads them (see `paths`) and is given up.
    pub(super) fn learn(&self, input: &[u8], scan: &Scan, missed: Option<(&Learned, &Scan)>) {
        let current = self.learned.load_full();
        let mut names: Vec<Box<str>> = current
            .as_ref()
            .map(|l| l.names.clone())
            .unwrap_or_default();
        let mut paths = match &current {
            Some(l) => l.paths.clone(),
            None => [Some(Vec::new()), Some(Vec::new())],
        };
        let known = paths.clone();
        let count = |p: &[Option<Vec<Box<str>>>; 2]| p.clone().map(|k| k.map(|v| v.len()));
        let (names_before, paths_before) = (names.len(), count(&paths));
        let mut walks = 0;
        for (i, tile) in scan.tiles.iter().enumerate() {
            let Some(start) = tile.carrier else {
                continue;
            };
            let name = super::tag_name(&input[start + 1..]).to_ascii_lowercase();
            let Ok(name) = String::from_utf8(name) else {
                continue;
            };
            insert_sorted(&mut names, &name);
            // An unclosed tile makes the page fail anyway; its bytes say nothing reliable.
            if tile.end == usize::MAX || paths.iter().all(Option::is_none) || walks == MAX_WALKS {
                continue;
            }
            // After a miss, only the tiles whose carrier the narrowed read got wrong can teach
            // a new path.
            let here = missed.map(|(learned, narrowed)| {
                let wrong = narrowed
                    .tiles
                    .get(i)
                    .is_none_or(|t| t.carrier != Some(start));
                (learned, wrong)
            });
            if here.is_some_and(|(_, wrong)| !wrong) {
                continue;
            }
            let missed_by = here.and_then(|(learned, _)| learned.by_path);
            walks += 1;
            let fragment = &input[tile.start..tile.content_end];
            let chain = super::paths::carrier_path(fragment, start - tile.start, &self.every);
            for kind in [PLACED, NAMED] {
                let Some(list) = paths[kind].as_mut() else {
                    continue;
                };
                let Some(chain) = &chain else {
                    paths[kind] = None;
                    continue;
                };
                let text = path_text(chain, kind == PLACED);
                let was_known = known[kind]
                    .as_ref()
                    .is_some_and(|k| k.iter().any(|p| **p == *text));
                if was_known && missed_by == Some(kind) {
                    paths[kind] = None;
                    continue;
                }
                insert_sorted(list, &text);
            }
        }
        for kind in &mut paths {
            if kind.as_ref().is_some_and(|p| p.len() > MAX_PATHS) {
                *kind = None;
            }
        }
        let near = is_near(scan);
        if current.is_some()
            && names.len() == names_before
            && count(&paths) == paths_before
            && current.as_ref().is_some_and(|l| l.near == near)
        {
            return;
        }
        let by_path = [PLACED, NAMED].into_iter().find_map(|kind| {
            let selector = self.narrowed_by_path(paths[kind].as_deref()?)?;
            Some((selector, kind))
        });
        let (selector, by_path, exact) = if names.is_empty() {
            (None, None, false)
        } else if let Some((selector, kind)) = by_path {
            (Some(selector), Some(kind), false)
        } else if names.len() > MAX_NAMES {
            (None, None, true)
        } else {
            match self.narrowed(&names) {
                Some(selector) => (Some(selector), None, false),
                None => (None, None, true),
            }
        };
        self.learned.store(Some(Arc::new(Learned {
            names,
            paths,
            selector,
            by_path,
            exact,
            near,
        })));
    }

    /// `{part} name[attr]` for every tile selector and name.
    fn narrowed(&self, names: &[Box<str>]) -> Option<Selector> {
        self.join(names.iter().map(|name| format!(" {}", css_ident(name))))
    }

    /// `{part} > a > b[attr]` for every tile selector and path.
    fn narrowed_by_path(&self, paths: &[Box<str>]) -> Option<Selector> {
        if paths.is_empty() {
            return None;
        }
        self.join(paths.iter().map(|path| path.to_string()))
    }

    /// `{part}{tail}[attr]` for every tile selector and tail, as one selector list.
    fn join(&self, tails: impl Iterator<Item = String> + Clone) -> Option<Selector> {
        let mut text = String::new();
        for part in &self.parts {
            for tail in tails.clone() {
                if !text.is_empty() {
                    text.push_str(", ");
                }
                text.push_str(&format!("{part}{tail}[{}]", self.attr_css));
            }
        }
        text.parse().ok()
    }
}

/// Whether the tiles' carriers start on average at most [`DIRECT_REACH`] bytes after their
/// tiles' start tags: tiles carrying their own ids count as 0, tiles without any id at their
/// whole length (`direct` reads all of it to find nothing).
fn is_near(scan: &Scan) -> bool {
    let tiles = scan.tiles.len().max(1);
    let reach: usize = scan
        .tiles
        .iter()
        .map(|t| match (t.carrier, &t.id) {
            (Some(carrier), _) => carrier.saturating_sub(t.tag_end),
            (None, Some(_)) => 0,
            (None, None) => t.content_end.saturating_sub(t.tag_end),
        })
        .sum();
    reach / tiles <= DIRECT_REACH
}

/// Inserts `item` into the sorted `list` unless present.
fn insert_sorted(list: &mut Vec<Box<str>>, item: &str) {
    if let Err(at) = list.binary_search_by(|n| (**n).cmp(item)) {
        list.insert(at, item.into());
    }
}

/// ` > a > b` for the chain `[a, b]`, names escaped for CSS; with `places`,
/// ` > a:nth-child(1) > b:nth-child(2)`.
fn path_text(chain: &[super::paths::Step], places: bool) -> String {
    chain
        .iter()
        .map(|(name, place)| match places {
            true => format!(" > {}:nth-child({place})", css_ident(name)),
            false => format!(" > {}", css_ident(name)),
        })
        .collect()
}
