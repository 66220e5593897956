"""
The image library: uploads checked and cleaned (`processing`), the `Image` model
(`models`), the HTML that shows an image (`markup`) and images placed in section text
(`references`). A model of the briefings app, kept in its own package.
"""
