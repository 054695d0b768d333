"""The load harness's chart: one panel per case, a bar per side of the pair, the median per server
CPU-second (handshakes or MB), the ratio to the first side and the raw rate under it. Plain SVG,
written by hand so that the harness needs nothing beyond python3."""
from xml.sax.saxutils import escape

PANEL_W, PANEL_H, TOP, BAR_W = 260, 300, 70, 52
COLORS = ["#8c8c8c", "#2b6cb0", "#90cdf4"]


def _wrap(text, width):
    words, lines, line = text.split(), [], ""
    for w in words:
        if len(line) + len(w) + 1 > width and line:
            lines.append(line)
            line = w
        else:
            line = f"{line} {w}".strip()
    return lines + [line] if line else lines


def svg(summaries, title):
    width = PANEL_W * len(summaries) + 20
    height = TOP + PANEL_H + 70
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}"'
           f' font-family="sans-serif" font-size="12">',
           f'<rect width="{width}" height="{height}" fill="white"/>',
           f'<text x="10" y="22" font-size="15" font-weight="bold">{escape(title)}</text>',
           '<text x="10" y="42" fill="#444">bars: median per server CPU-second (higher is better); under each bar: the raw'
           ' rate and, in bold, the ratio to the first side per server CPU-second</text>']
    for i, s in enumerate(summaries):
        x0 = 10 + i * PANEL_W
        top = max(v["per_cpu"] for v in s["sides"]) or 1
        base_y = TOP + PANEL_H - 40
        scale = (PANEL_H - 110) / top
        for j, line in enumerate(_wrap(s["title"], 34)[:4]):
            out.append(f'<text x="{x0 + 5}" y="{TOP + 8 + 14 * j}" font-weight="bold">{escape(line)}</text>')
        out.append(f'<line x1="{x0 + 5}" y1="{base_y}" x2="{x0 + PANEL_W - 15}" y2="{base_y}" stroke="#333"/>')
        slot = (PANEL_W - 30) / len(s["sides"])
        for j, side in enumerate(s["sides"]):
            bx = x0 + 15 + j * slot + (slot - BAR_W) / 2
            cx = bx + BAR_W / 2
            hgt = side["per_cpu"] * scale
            out.append(f'<rect x="{bx:.1f}" y="{base_y - hgt:.1f}" width="{BAR_W}" height="{hgt:.1f}" fill="{COLORS[j % 3]}"/>')
            out.append(f'<text x="{cx:.1f}" y="{base_y - hgt - 6:.1f}" text-anchor="middle">{side["per_cpu"]:,.0f}</text>')
            for k, line in enumerate(_wrap(side["name"], 12)[:3]):
                out.append(f'<text x="{cx:.1f}" y="{base_y + 14 + 13 * k}" text-anchor="middle" font-size="11">{escape(line)}</text>')
            out.append(f'<text x="{cx:.1f}" y="{base_y + 56}" text-anchor="middle" font-size="11" fill="#555">'
                       f'{side["rate"]:,.0f} {escape(s["unit"])}</text>')
            if side["ratio"] is not None:
                out.append(f'<text x="{cx:.1f}" y="{base_y + 72}" text-anchor="middle" font-weight="bold">'
                           f'x{side["ratio"]:.2f}</text>')
        out.append(f'<text x="{x0 + 5}" y="{TOP + PANEL_H + 50}" fill="#555">{escape(s["unit"].split("/")[0])} per server CPU-s</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"
