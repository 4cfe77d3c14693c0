"""Unsent decisions: what a reviewer typed when their session expired or their claim was
lost is kept server-side and offered again on the item, with why it was kept."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import col, delete, select

from proxy.store.database import Store
from proxy.store.models import ReviewDraft, utcnow


@dataclass(frozen=True)
class DraftIn:
    action: str = ""
    reason_code: str = ""
    note: str = ""
    edited_text: str | None = None

    @property
    def worth_keeping(self) -> bool:
        return bool((self.edited_text or "").strip() or self.note.strip())


def keep(store: Store, review_id: int, user_id: int, draft: DraftIn, why: str) -> None:
    with store.session() as s:
        row = s.exec(select(ReviewDraft).where(ReviewDraft.review_id == review_id, ReviewDraft.user_id == user_id)).first()
        row = row or ReviewDraft(review_id=review_id, user_id=user_id)
        row.action, row.reason_code, row.note, row.edited_text = draft.action, draft.reason_code, draft.note, draft.edited_text
        row.why, row.updated_at = why, utcnow()
        s.add(row)
        s.commit()


def kept(store: Store, review_id: int, user_id: int) -> ReviewDraft | None:
    with store.session() as s:
        return s.exec(select(ReviewDraft).where(ReviewDraft.review_id == review_id, ReviewDraft.user_id == user_id)).first()


def discard(store: Store, review_id: int, user_id: int) -> None:
    with store.session() as s:
        s.exec(delete(ReviewDraft).where(col(ReviewDraft.review_id) == review_id, col(ReviewDraft.user_id) == user_id))
        s.commit()
