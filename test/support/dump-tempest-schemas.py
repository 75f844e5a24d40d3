"""Dump Tempest's volume response schemas (python3-tempest) as one JSON document on stdout.

Output: {"tempest_version": str,
         "modules": {"volumes": {"show_volume": {...}, ...}, "v3_61.volumes": {...}, ...},
         "versions": {"volumes": [{"min": null|"3.x", "max": null|"3.x", "module": "v3_61.volumes"}, ...]}}

`modules` holds every module-level dict with a `status_code` (one response contract each);
`versions` is read from the `schema_versions_info` of Tempest's v3 volume clients, so the
TypeScript side picks the module for a microversion the way the clients do.
"""
import importlib
import importlib.metadata
import inspect
import json
import pkgutil
import sys

import tempest.lib.api_schema.response.volume as volume_schemas
import tempest.lib.services.volume.v3 as volume_clients

PREFIX = volume_schemas.__name__ + '.'


def short_name(module_name):
    return module_name[len(PREFIX):] if module_name.startswith(PREFIX) else module_name


def contracts(module):
    return {name: value for name, value in vars(module).items()
            if isinstance(value, dict) and 'status_code' in value}


def main():
    modules = {}
    for info in pkgutil.walk_packages(volume_schemas.__path__, PREFIX):
        if info.ispkg:
            continue
        found = contracts(importlib.import_module(info.name))
        if found:
            modules[short_name(info.name)] = found

    versions = {}
    for _, cls in inspect.getmembers(volume_clients, inspect.isclass):
        table = getattr(cls, 'schema_versions_info', None)
        if not table:
            continue
        rows = [{'min': row['min'], 'max': row['max'], 'module': short_name(row['schema'].__name__)}
                for row in table]
        base = next(r['module'] for r in rows if r['min'] is None)
        versions[base] = rows

    try:
        version = importlib.metadata.version('tempest')
    except importlib.metadata.PackageNotFoundError:
        version = 'unknown'
    json.dump({'tempest_version': version, 'modules': modules, 'versions': versions},
              sys.stdout, sort_keys=True)


main()
