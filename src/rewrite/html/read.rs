//! Reading a page's tiles with the carrier plan its rules have learned (see `carriers`):
//! one lol_html pass, and the checks that decide whether it needs another.

use lol_html::{AsciiCompatibleEncoding, Selector};

use super::{carriers, direct, scan, NotListing, Rules};

/// Scans `page` by `plan`.
pub(super) fn read(page: Page<'_>, plan: carriers::Plan) -> Result<scan::Scan, NotListing> {
    match plan {
        carriers::Plan::Exact => page.exact(None),
        carriers::Plan::Direct(learned) => {
            let mut scan = page.read(None)?;
            let attr = page.rules.product_id.as_bytes();
            if direct::read_carriers(page.input, &mut scan, attr) {
                Ok(scan)
            } else {
                page.rules.carriers.not_direct();
                page.narrowed(&learned)
            }
        }
        carriers::Plan::Narrowed(learned) => page.narrowed(&learned),
    }
}

/// A page to scan, and how.
pub(super) struct Page<'a> {
    pub input: &'a [u8],
    pub chunk_size: usize,
    pub encoding: Option<AsciiCompatibleEncoding>,
    pub rules: &'a Rules,
}

impl Page<'_> {
    /// One lol_html pass with the carrier selector `carriers`.
    fn read(&self, carriers: Option<&Selector>) -> Result<scan::Scan, NotListing> {
        let Page {
            input,
            chunk_size,
            encoding,
            rules,
        } = *self;
        scan::scan(input, chunk_size, encoding, rules, carriers).map_err(NotListing::Parse)
    }

    /// A read with the exact carrier selector, whose carriers are learned (`missed`: see
    /// [`carriers::Carriers::learn`]).
    fn exact(
        &self,
        missed: Option<(&carriers::Learned, &scan::Scan)>,
    ) -> Result<scan::Scan, NotListing> {
        let scan = self.read(Some(&self.rules.carriers.exact))?;
        self.rules.carriers.learn(self.input, &scan, missed);
        Ok(scan)
    }

    /// A read with the narrowed carrier selector, read again exactly if it missed a carrier.
    fn narrowed(&self, learned: &carriers::Learned) -> Result<scan::Scan, NotListing> {
        let scan = self.read(learned.selector())?;
        if self.rules.carriers.complete(self.input, &scan) {
            Ok(scan)
        } else {
            self.exact(Some((learned, &scan)))
        }
    }
}
