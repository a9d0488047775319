"""The conversation of each post as data files of the site repository.

    data_files  the model, and `conversations/<post-slug>.yaml` read, written, rendered
    file_reader the checks of a hand-edited or hostile file: file, line and reason
    media       avatars and images copied into `conversations/media/`, re-encoded
    image_encoding  the CPU part of a copy: bytes in, a small WebP out, or a refusal

`site-gen conversations pull` writes these files from the function; the owner decides by
editing `status:` lines (a pull request); the build reads only the files, never the function,
so builds stay offline and deterministic.
"""
