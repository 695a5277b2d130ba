"""categories of services, managed per site

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 13:40:00.000000

Services named their category by a free code that the kiosk labelled from a fixed list. Each site
now gets one row per code its services already use, labelled as the kiosk labelled it (in French and
in the other interface languages), in the order the kiosk showed them, so nothing changes on screen.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

# The labels kiosk/texts.py gave these codes, with their translations at the time of this migration.
KNOWN: dict[str, tuple[str, dict[str, str]]] = {
    "papiers": (
        "Papiers d'identité, permis, carte grise",
        {
            "en": "Identity documents, driving licence, vehicle registration",
            "ar": "وثائق الهوية، رخصة القيادة، البطاقة الرمادية للسيارة",
            "es": "Documentos de identidad, permiso de conducir, documentos del vehículo",
            "pt": "Documentos de identificação, carta de condução, certificado de matrícula",
        },
    ),
    "famille": (
        "Famille, logement, allocations",
        {
            "en": "Family, housing, benefits",
            "ar": "الأسرة، السكن، المساعدات الاجتماعية",
            "es": "Familia, vivienda, ayudas sociales",
            "pt": "Família, habitação, prestações sociais",
        },
    ),
    "sante": (
        "Santé, assurance maladie",
        {
            "en": "Health, health insurance",
            "ar": "الصحة، التأمين الصحي",
            "es": "Salud, seguro de enfermedad",
            "pt": "Saúde, seguro de saúde",
        },
    ),
    "emploi-retraite": (
        "Emploi et retraite",
        {"en": "Work and retirement", "ar": "العمل والتقاعد", "es": "Empleo y jubilación", "pt": "Emprego e reforma"},
    ),
    "budget": (
        "Impôts et argent",
        {"en": "Taxes and money", "ar": "الضرائب والمال", "es": "Impuestos y dinero", "pt": "Impostos e dinheiro"},
    ),
    "courrier": (
        "Courrier et colis",
        {"en": "Post and parcels", "ar": "البريد والطرود", "es": "Correo y paquetes", "pt": "Correio e encomendas"},
    ),
    "justice": (
        "Justice et droits",
        {"en": "Justice and rights", "ar": "العدالة والحقوق", "es": "Justicia y derechos", "pt": "Justiça e direitos"},
    ),
    "mairie": (
        "Mairie : état civil, élections, école",
        {
            "en": "Town hall: civil records, elections, school",
            "ar": "البلدية: الحالة المدنية، الانتخابات، المدرسة",
            "es": "Ayuntamiento: registro civil, elecciones, escuela",
            "pt": "Câmara municipal: registo civil, eleições, escola",
        },
    ),
}


def _seed() -> None:
    """One category per code the services of each site use, in the order of their first service."""
    bind = op.get_bind()
    services = sa.table(
        "services",
        sa.column("site_id", sa.Integer),
        sa.column("category", sa.String),
        sa.column("sort", sa.Integer),
        sa.column("id", sa.Integer),
    )
    categories = sa.table(
        "categories",
        sa.column("site_id", sa.Integer),
        sa.column("code", sa.String),
        sa.column("label_fr", sa.String),
        sa.column("labels", sa.JSON),
        sa.column("sort", sa.Integer),
    )
    used = bind.execute(
        sa.select(services.c.site_id, services.c.category, sa.func.min(services.c.sort), sa.func.min(services.c.id))
        .where(services.c.category != "")
        .group_by(services.c.site_id, services.c.category)
    ).all()
    rows: list[dict[str, Any]] = []
    rank: dict[int, int] = {}
    for site_id, code, _sort, _id in sorted(used, key=lambda r: (r[0], r[2], r[3])):
        label, labels = KNOWN.get(code, (code.replace("-", " ").capitalize(), {}))
        rank[site_id] = rank.get(site_id, 0) + 1
        rows.append({"site_id": site_id, "code": code, "label_fr": label, "labels": labels, "sort": rank[site_id]})
    if rows:
        op.bulk_insert(categories, rows)


def upgrade() -> None:
    op.create_table('categories',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('label_fr', sa.String(length=200), nullable=False),
    sa.Column('labels', sa.JSON(), nullable=False),
    sa.Column('sort', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_categories_site_id_sites'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_categories')),
    sa.UniqueConstraint('site_id', 'code', name=op.f('uq_categories_site_id_code'))
    )
    with op.batch_alter_table('categories', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_categories_site_id'), ['site_id'], unique=False)
    _seed()


def downgrade() -> None:
    with op.batch_alter_table('categories', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_categories_site_id'))

    op.drop_table('categories')
