"""One colour per data category, the same in every chart, chip and legend of the HTML report.

The colours are chosen for colour-blind readers (Okabe and Ito's and Paul Tol's sets), one per
category of `summary.CATEGORY_ORDER`; each category also has a pattern (stripes, dots, hatching)
and is always named in text beside it (`words.category_label`), so colour is never the only cue.
Other modules draw with the class names defined here and never pick a colour themselves:

- `cat-<category>` (`category_class`): fill and stroke in the category's colour, for any SVG shape
  or HTML element (an HTML element gets it as its background); `pat-<category>` fills an SVG shape
  with the category's pattern instead (the `<defs>` from `pattern_defs()` must be in the page once),
  and `pat` beside `cat-<category>` draws the same pattern over an HTML element's background;
- `map-server`, `map-hq`, `map-both`: a country that hosted the servers, the headquarters of a
  company that received data, or both; `map-land`: every other country;
- `neutral`: what has no category (requests over time, server countries in the flow diagram).

`css()` is the stylesheet for all of them; the report puts it in its one hashed `<style>`.
"""

from __future__ import annotations

from phonehome.summary import CATEGORY_ORDER

# From Okabe and Ito's set and Paul Tol's "bright" and "muted" sets (both made for colour-blind
# readers): of those colours, the seven whose every pair stays furthest apart (at least 32 CIELAB
# units) as people with normal vision, deuteranopia and protanopia see them (Machado et al. 2009).
CATEGORY_COLOURS: dict[str, str] = {
    "credentials": "#000000",  # black
    "identifier": "#D55E00",  # vermillion (Okabe-Ito)
    "contact": "#AA3377",  # purple (Tol)
    "location": "#332288",  # indigo (Tol)
    "browsing": "#56B4E9",  # sky blue (Okabe-Ito)
    "app_usage": "#EE6677",  # red (Tol)
    "device": "#F0E442",  # yellow (Okabe-Ito)
}
OTHER = "other"  # a category this module does not know yet: drawn grey, labelled by its own name
OTHER_COLOUR = "#8C8C8C"
NEUTRAL_COLOUR = "#7A8494"


# The second cue: SVG drawn over the colour inside a 6x6 tile (white, half transparent).
_PATTERNS: dict[str, str] = {
    "credentials": '<path d="M0,0 L6,6 M6,0 L0,6" stroke-width="1.4"/>',  # cross-hatch
    "identifier": "",  # plain
    "contact": '<circle cx="3" cy="3" r="1.3" stroke="none"/>',  # dots
    "location": '<path d="M-1,1 L1,-1 M0,6 L6,0 M5,7 L7,5" stroke-width="1.6"/>',  # stripes /
    "browsing": '<path d="M0,3 L6,3" stroke-width="1.6"/>',  # horizontal stripes
    "app_usage": '<path d="M-1,5 L1,7 M0,0 L6,6 M5,-1 L7,1" stroke-width="1.6"/>',  # stripes \
    "device": '<path d="M3,0 L3,6" stroke-width="1.6"/>',  # vertical stripes
}
W = "rgba(255,255,255,.6)"
_HTML_PATTERNS: dict[str, str] = {  # the same patterns as CSS backgrounds, for HTML swatches and bars
    "credentials": f"repeating-linear-gradient(45deg,{W} 0 1.2px,transparent 1.2px 6px),"
    f"repeating-linear-gradient(-45deg,{W} 0 1.2px,transparent 1.2px 6px)",
    "contact": f"radial-gradient(circle,{W} 0 1.3px,transparent 1.5px);background-size:6px 6px",
    "location": f"repeating-linear-gradient(-45deg,{W} 0 1.6px,transparent 1.6px 6px)",
    "browsing": f"repeating-linear-gradient(0deg,{W} 0 1.6px,transparent 1.6px 6px)",
    "app_usage": f"repeating-linear-gradient(45deg,{W} 0 1.6px,transparent 1.6px 6px)",
    "device": f"repeating-linear-gradient(90deg,{W} 0 1.6px,transparent 1.6px 6px)",
}
# The map is about places, not data: shades of one slate, told apart by lightness alone (which no
# colour vision deficiency removes), so no category colour means something else there.
MAP_COLOURS: dict[str, str] = {
    "map-hq": "#A3B1CA",  # light: a receiving company's headquarters
    "map-server": "#4A5D80",  # dark: servers were here
    "map-both": "#1B2740",  # darkest: both
}
MAP_LAND = "#E3E7EE"


def category_of(category: str) -> str:
    """The category as the palette knows it: itself, or `other`."""
    return category if category in CATEGORY_COLOURS else OTHER


def category_class(category: str) -> str:
    """The CSS class that colours a category: `cat-identifier`; `cat-other` for an unknown one."""
    return f"cat-{category_of(category)}"


def pattern_class(category: str) -> str:
    """The CSS class that fills an SVG shape with the category's pattern."""
    return f"pat-{category_of(category)}"


def colour(category: str) -> str:
    return CATEGORY_COLOURS.get(category, OTHER_COLOUR)


def pattern_defs() -> str:
    """One hidden SVG with a `<pattern id="p-<category>">` per category, for `pat-<category>`."""
    tiles = []
    for category in (*CATEGORY_ORDER, OTHER):
        overlay = _PATTERNS.get(category, "")
        tiles.append(
            f'<pattern id="p-{category}" width="6" height="6" patternUnits="userSpaceOnUse">'
            f'<rect width="6" height="6" fill="{colour(category)}"/>'
            f'<g stroke="#fff" fill="#fff" stroke-opacity=".6" fill-opacity=".7">{overlay}</g></pattern>'
        )
    return f"<svg class=defs aria-hidden=true focusable=false width=0 height=0><defs>{''.join(tiles)}</defs></svg>"


def css() -> str:
    """The palette's stylesheet: category colours and patterns, the map's classes, the neutral grey."""
    rules = [".defs{position:absolute;width:0;height:0;overflow:hidden}"]
    for category in (*CATEGORY_ORDER, OTHER):
        c = colour(category)
        rules.append(f".cat-{category}{{background:{c};fill:{c};stroke:{c}}}")
        rules.append(f"svg .pat-{category}{{fill:url(#p-{category});stroke:{c}}}")
        if category in _HTML_PATTERNS:
            rules.append(f".pat.cat-{category}{{background-image:{_HTML_PATTERNS[category]}}}")
    rules.append(f".neutral{{background:{NEUTRAL_COLOUR};fill:{NEUTRAL_COLOUR};stroke:{NEUTRAL_COLOUR}}}")
    rules.append(f".map-land{{fill:{MAP_LAND};stroke:#fff;stroke-width:.4}}")
    rules.append(".map-marker.map-hq text,.map-key.map-hq{fill:#1d2330;color:#1d2330}")
    for name, c in MAP_COLOURS.items():
        rules.append(f".{name},.map-key.{name}{{fill:{c};background:{c};stroke:#fff;stroke-width:.4}}")
    return "\n".join(rules) + "\n"
