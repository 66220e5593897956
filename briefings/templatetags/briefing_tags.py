from django import template

from briefings import caching

register = template.Library()


@register.filter
def lines(briefing, field):
    """A one-item-per-line field of a briefing as a list: `briefing|lines:"key_points"`."""
    return briefing.lines(field)


class CachedPartNode(template.Node):
    def __init__(self, nodelist, name, key):
        self.nodelist, self.name, self.key = nodelist, name, key

    def render(self, context):
        key = self.key.resolve(context)
        if not key:
            return self.nodelist.render(context)
        return caching.remember(f"part:{self.name}:{key}", lambda: self.nodelist.render(context))


@register.tag
def cached_part(parser, token):
    """
    `{% cached_part name key %}...{% endcached_part %}`: the enclosed markup rendered
    once and kept in the shared cache under `name` and `key`; the key must name everything
    the markup depends on (briefings.caching.briefing_fragment_key does). An empty key
    renders it afresh and stores nothing (previews).
    """
    try:
        _, name, key = token.split_contents()
    except ValueError:
        raise template.TemplateSyntaxError("cached_part takes a name and a key") from None
    if not (name[0] == name[-1] and name[0] in "'\""):
        raise template.TemplateSyntaxError("cached_part's name is a quoted string")
    nodelist = parser.parse(("endcached_part",))
    parser.delete_first_token()
    return CachedPartNode(nodelist, name[1:-1], parser.compile_filter(key))
