//! Duplicates across laptops: the suggestions made as cases arrive, and the coordinator's
//! judgement — link, merge, undo, or "not a duplicate".

use citizens_core::grievance::{Grievance, Stamp};
use citizens_core::ids::GrievanceId;
use citizens_store::DuplicatePair;

use crate::{CaseView, Client, Error, Result};

impl Client {
    /// Compare the cases that arrived since the last pass (captured, imported, synced) with the
    /// cases near them; returns how many were compared.
    pub fn find_duplicates(&mut self) -> Result<usize> {
        Ok(self.store.find_duplicates(500)?)
    }

    /// Suggested duplicates still to judge (for one case when `key` is given), most alike first.
    pub fn duplicate_suggestions(
        &mut self,
        key: Option<&str>,
        limit: u64,
    ) -> Result<Vec<DuplicatePair>> {
        self.find_duplicates()?;
        let id = key.map(|k| self.grievance_id(k)).transpose()?;
        Ok(self
            .store
            .duplicate_suggestions(id.map(|i| i.to_string()).as_deref(), limit)?)
    }

    /// Mark `copy` as the same grievance as `original`: linked, or merged into it (`copy`
    /// becomes `duplicate`, the original shows its reporter and timeline). Both cases record
    /// it. Returns the original's page.
    pub fn mark_duplicate(&mut self, copy: &str, original: &str, merge: bool) -> Result<CaseView> {
        let copy = self.grievance_id(copy)?;
        let original = self.grievance_id(original)?;
        self.edit_pair(
            copy,
            original,
            |g, kept, stamps| g.mark_duplicate_of(kept, merge, stamps),
            |g, copied, stamp| g.note_duplicate(copied, stamp),
        )?;
        self.open_case(&original.to_string())
    }

    /// Undo a link or merge (the copy gets back the status it had). Returns the copy's page.
    pub fn undo_duplicate(&mut self, copy: &str) -> Result<CaseView> {
        let copy = self.grievance_id(copy)?;
        let current: Grievance = self.store.read(copy.uuid())?;
        let Some(original) = current.duplicate_of else {
            return Err(Error::from(citizens_core::Error::invalid(
                "duplicate",
                format!("{} is not marked as a duplicate", current.reference),
            )));
        };
        self.edit_pair(
            copy,
            original,
            |g, kept, stamps| g.undo_duplicate(kept, stamps),
            |g, copied, stamp| g.note_unlinked(copied, stamp),
        )?;
        self.open_case(&copy.to_string())
    }

    /// Change the copy (seeing the original), then record it on the original (seeing the
    /// changed copy), in one transaction.
    fn edit_pair(
        &mut self,
        copy: GrievanceId,
        original: GrievanceId,
        on_copy: impl FnOnce(
            &mut Grievance,
            &Grievance,
            &mut dyn FnMut() -> Stamp,
        ) -> citizens_core::error::Result<()>,
        on_original: impl FnOnce(&mut Grievance, &Grievance, Stamp),
    ) -> Result<()> {
        self.with_writer(|ctx, w| {
            let kept: Grievance = w.read(original.uuid())?;
            let at = ctx.clock.now();
            let author = ctx.author.clone();
            let mut stamps = || ctx.stamp();
            let (copied, ()) = w.edit(copy.uuid(), &author, at, |g: &mut Grievance| {
                on_copy(g, &kept, &mut stamps)
            })?;
            w.edit(original.uuid(), &author, at, |g: &mut Grievance| {
                on_original(g, &copied, stamps());
                Ok(())
            })?;
            Ok(())
        })
    }

    /// "Not a duplicate": the pair is not suggested again on this laptop.
    pub fn dismiss_duplicate(&mut self, a: &str, b: &str) -> Result<()> {
        let (a, b) = (self.grievance_id(a)?, self.grievance_id(b)?);
        let found = self.with_writer(|_, w| w.dismiss_duplicate(&a.to_string(), &b.to_string()))?;
        if found {
            Ok(())
        } else {
            Err(Error::from(citizens_core::Error::invalid(
                "duplicate",
                "those two cases were not suggested as duplicates",
            )))
        }
    }
}
