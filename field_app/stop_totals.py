"""What the whole team logged at a stop, for the agent's phone (« équipe, à 14:32 »)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .models import AGE_COLUMNS, Interaction, InvitationCard, Stop, TourAgent, User


@dataclass(frozen=True)
class StopTotals:
    stop_id: int
    people: int
    invitations: int  # invitation cards handed out, with or without code

    def to_dict(self) -> dict:
        return {"id": self.stop_id, "people": self.people, "invitations": self.invitations}


def visible_stop_ids(session: Session, user: User, stop_ids: Collection[int]) -> list[int]:
    """The stops among ``stop_ids`` that ``user`` may see: all for a coordinator, else those of
    the tours the agent is assigned to."""
    if not stop_ids:
        return []
    query = select(Stop.id).where(Stop.id.in_(stop_ids))
    if user.role != "coordinator":
        query = query.join(TourAgent, TourAgent.tour_id == Stop.tour_id).where(
            TourAgent.user_id == user.id
        )
    return sorted(session.scalars(query))


def team_totals(session: Session, stop_ids: Collection[int]) -> list[StopTotals]:
    """People met and cards handed out at each stop, by every agent, current versions only
    (a corrected or deleted encounter's row is gone, see `field_app.records`)."""
    if not stop_ids:
        return []
    bands = [func.sum(getattr(Interaction, column)) for column in AGE_COLUMNS]
    people = {
        row[0]: sum(int(n or 0) for n in row[1:])
        for row in session.execute(
            select(Interaction.stop_id, *bands)
            .where(Interaction.stop_id.in_(stop_ids))
            .group_by(Interaction.stop_id)
        )
    }
    cards = {
        stop_id: int(n)
        for stop_id, n in session.execute(
            select(InvitationCard.stop_id, func.count())
            .where(InvitationCard.stop_id.in_(stop_ids), InvitationCard.handed_out_at.is_not(None))
            .group_by(InvitationCard.stop_id)
        )
    }
    return [
        StopTotals(stop_id, people.get(stop_id, 0), cards.get(stop_id, 0))
        for stop_id in sorted(stop_ids)
    ]
