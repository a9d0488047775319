"""Reading posts: front matter, Markdown, and the immutable model the build renders."""
