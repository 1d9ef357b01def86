"""Build step: compile the translation catalogs into the package.

pyproject.toml holds the project's metadata; this file only adds one thing to setuptools'
build_py: every locales/<locale>/LC_MESSAGES/<domain>.po (messages for residents, console
for staff) is compiled with Babel into bot/locales/<locale>/LC_MESSAGES/<domain>.mo of the
build, so a wheel (and an install from
one) carries its catalogs without compiled files in git. `make compile` does the same for a
checkout. A catalog that does not compile fails the build.
"""

from __future__ import annotations

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
SOURCES = HERE / "locales"


def compile_catalogs(target: Path) -> list[Path]:
    """Compile every locales/*/LC_MESSAGES/*.po into `target`/<locale>/LC_MESSAGES/*.mo."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    written = []
    for po in sorted(SOURCES.glob("*/LC_MESSAGES/*.po")):
        locale = po.parent.parent.name
        with po.open("rb") as fh:
            catalog = read_po(fh, locale=locale)
        errors = [(m.id, e) for m, errs in catalog.check() for e in errs]
        if errors:
            raise SystemExit(f"{po}: {len(errors)} error(s), first: {errors[0]}")
        mo = target / locale / "LC_MESSAGES" / po.with_suffix(".mo").name
        mo.parent.mkdir(parents=True, exist_ok=True)
        with mo.open("wb") as fh:
            write_mo(fh, catalog)
        written.append(mo)
    return written


class BuildWithCatalogs(build_py):
    """build_py, then the compiled catalogs into the built package."""

    def run(self) -> None:
        super().run()
        # An editable install runs from the source tree: compile there (as `make compile`).
        root = HERE if getattr(self, "editable_mode", False) else Path(self.build_lib)
        for mo in compile_catalogs(root / "bot" / "locales"):
            self.announce(f"compiled {mo}", level=2)

    def get_outputs(self, include_bytecode: bool = True) -> list[str]:
        outputs = list(super().get_outputs(include_bytecode))
        if not getattr(self, "editable_mode", False):
            base = Path(self.build_lib) / "bot" / "locales"
            outputs += [
                str(base / po.parent.parent.name / "LC_MESSAGES" / po.with_suffix(".mo").name)
                for po in sorted(SOURCES.glob("*/LC_MESSAGES/*.po"))
            ]
        return outputs


setup(cmdclass={"build_py": BuildWithCatalogs})
