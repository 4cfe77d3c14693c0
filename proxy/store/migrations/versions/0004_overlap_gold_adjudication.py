"""blind overlap review, gold items, adjudication

Review items get how many independent decisions they want and have (`overlap`,
`blind_decisions`) and whether they are gold (`gold`, `gold_expect`); decisions get their
`kind`. Existing rows keep their meaning: one decision wanted, not gold, every decision one
that changed its item's state.

Revision ID: 5b0c1e9d4a77
Revises: cdca88ff4b14
Create Date: 2026-11-26 08:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "5b0c1e9d4a77"
down_revision = "cdca88ff4b14"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("reviewitem", schema=None) as batch_op:
        batch_op.add_column(sa.Column("overlap", sa.Integer(), nullable=False, server_default="1"))
        batch_op.add_column(sa.Column("blind_decisions", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("gold", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column("gold_expect", sqlmodel.sql.sqltypes.AutoString(), nullable=True))
    with op.batch_alter_table("decision", schema=None) as batch_op:
        batch_op.add_column(sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(), nullable=False,
                                      server_default="decision"))


def downgrade() -> None:
    with op.batch_alter_table("decision", schema=None) as batch_op:
        batch_op.drop_column("kind")
    with op.batch_alter_table("reviewitem", schema=None) as batch_op:
        batch_op.drop_column("gold_expect")
        batch_op.drop_column("gold")
        batch_op.drop_column("blind_decisions")
        batch_op.drop_column("overlap")
