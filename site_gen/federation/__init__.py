"""The generator's ActivityPub documents: actor, objects, activities, collections, discovery.

They are built from the site's config and posts (`site_gen.config`, `site_gen.content`); the
parts both sides need (URLs, ids, serialization, keys, signatures) are in `site_core`. The key
file on the owner's machine is `key_files`.
"""
