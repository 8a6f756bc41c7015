"""pycage's side of SandboxOptions.pypi (loaded as ``_pycage_pypi``).

micropip is set up the moment it is first imported: its index is the page's
(the URL the page answers for, never PyPI's), and its errors become
PackageLoadError with the page's reason, which micropip itself drops (it
says "Can't fetch metadata" for a refused name, an unreachable index and a
404 alike). Security does not depend on any of this: the page decides what
is fetched and checks every wheel's sha256."""

import sys
from importlib.machinery import PathFinder


class PackageLoadError(ValueError):
    """A package could not be installed in this sandbox."""


def _on_import(configure):
    """Calls ``configure(micropip)`` right after micropip is first imported."""

    class Hook:
        def find_spec(self, name, path=None, target=None):
            if name != "micropip":
                return None
            spec = PathFinder.find_spec(name, path)
            if spec is None or spec.loader is None:
                return spec
            exec_module = spec.loader.exec_module

            # Only an import runs this (find_spec alone does not), and then
            # the hook has done its work.
            def exec_and_configure(module):
                if hook in sys.meta_path:
                    sys.meta_path.remove(hook)
                exec_module(module)
                configure(module)

            spec.loader.exec_module = exec_and_configure
            return spec

    hook = Hook()
    sys.meta_path.insert(0, hook)


def install_hook(index, take_failures):
    """``index``: the page's index URL (no trailing slash); ``take_failures()``:
    the downloads refused or failed since the last call ("url (reason)")."""

    def configure(micropip):
        from micropip import package_index

        # Equal to DEFAULT_INDEX_URLS, so micropip keeps its order (Pyodide's
        # lockfile first, then the index) but never asks PyPI itself.
        package_index.DEFAULT_INDEX_URLS[:] = [index]
        micropip.set_index_urls([index])
        original = micropip.install

        def failed(requirements, failures, fallback):
            reason = failures[-1] if failures else fallback
            if len(failures) > 1:
                reason += f" (and {len(failures) - 1} more refused or failed downloads)"
            return PackageLoadError(f"could not install {requirements!r}: {reason}")

        async def install(requirements, *args, **kwargs):
            take_failures()
            try:
                await original(requirements, *args, **kwargs)
            except Exception as e:
                raise failed(requirements, list(take_failures()), str(e).split("\n")[0]) from e
            # A lockfile package whose download was refused fails silently in
            # micropip (pyodide.loadPackage reports it, but does not raise).
            failures = list(take_failures())
            if failures:
                raise failed(requirements, failures, "")

        install.__doc__ = original.__doc__
        micropip.install = install
        micropip.PackageLoadError = PackageLoadError

    _on_import(configure)


def refuse_micropip(reason):
    """micropip could not be fetched: importing it says why."""

    class Refuse:
        def find_spec(self, name, path=None, target=None):
            if name == "micropip":
                raise PackageLoadError(f"micropip is not available in this sandbox: {reason}")
            return None

    sys.meta_path.insert(0, Refuse())
