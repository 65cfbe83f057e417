"""A small site-layout content folder (guides/, api/, producteurs/, service/) for the tests of the
content graph's endpoints, with the logos of an ASSETS_DIR."""

from __future__ import annotations

import shutil
from pathlib import Path

from .conftest import SEED, write
from .test_images import png

PARTICULIER = """---
title: API Particulier
tagline: Les données des particuliers
producer: dinum
partners:
  - DILA
  - Inconnu du fichier
is_open: -1
logo: particulier.png
access_page:
  - who: [Une collectivité]
    is_eligible: 1
    description: |
      Vous êtes **éligible**.

      <Button href="https://datapass.api.gouv.fr/api-particulier">Demander</Button>
content_intro: |
  L'<External href="https://particulier.api.gouv.fr/">API Particulier</External> simplifie.
keywords: [Quotient familial]
---

## Conditions

Le texte.
"""

LEGIFRANCE = """---
title: Légifrance
producer: DILA
logo: https://ailleurs.example/legifrance.png
---
Le droit.
"""

ORPHAN = """---
title: API Orpheline
tagline: Aucun guide ne la cite
producer: personne
---
"""

DINUM = "---\nname: Direction Interministérielle du Numérique\nacronym: DINUM\nlogo: dinum.png\n---\n"
DILA = (
    "---\nname: Direction de l'information légale et administrative\nacronym: DILA\nlogo: absent.png\n---\n"
)

LYON = """---
title: 'Lyon : Mon compte'
link: https://www.lyon.fr
description: Calcul du quotient familial
api:
  - API Particulier
  - Légifrance
screenshot: lyon.jpg
---

Le calcul du quotient familial **municipal**.
"""

AUTRE = """---
title: Un autre service
api:
  - DILA_api_Legifrance
  - API Inconnue
---
"""

MIX = """---
title: Un guide mixte
publish: true
api:
  - api-particulier
  - API Inconnue
---
Texte.
"""

DRAFT = """---
title: Un brouillon
publish: false
api:
  - DILA_api_Legifrance
---
Texte.
"""

#: The logos' sizes in the ASSETS_DIR that :func:`write_site` writes.
DINUM_LOGO, PARTICULIER_LOGO = (40, 20), (64, 32)


def write_guides(folder: Path) -> Path:
    """The guides of the site, as a plain folder of guides."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(SEED, folder / "ccas.md")
    write(folder, "mix.md", MIX)
    write(folder, "draft.md", DRAFT)
    return folder


def write_site(root: Path) -> tuple[Path, Path]:
    """``root/_data`` (the site's layout) and ``root/public`` (its ASSETS_DIR)."""
    data = root / "_data"
    write_guides(data / "guides")
    write(data / "api", "api-particulier.md", PARTICULIER)
    write(data / "api", "DILA_api_Legifrance.md", LEGIFRANCE)
    write(data / "api", "api-orpheline.md", ORPHAN)
    write(data / "producteurs", "dinum.md", DINUM)
    write(data / "producteurs", "dila.md", DILA)
    write(data / "service", "lyon.md", LYON)
    write(data / "service", "autre.md", AUTRE)
    public = root / "public"
    write(public / "images" / "api-logo", "dinum.png", png(*DINUM_LOGO))
    write(public / "images" / "api-logo", "particulier.png", png(*PARTICULIER_LOGO))
    return data, public
