import BenchCore

/// The shell every page shares: inline CSS, one small inline script that sorts tables when a
/// header is clicked (pages read fully without it), and no external URL of any kind.
enum Page {
    static func render(title: String, nav: [(String, String)], body: HTML) -> String {
        let links: [HTML] = nav.map { "<a href=\"\($0.1)\">\($0.0)</a>" }
        let page: HTML = """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(title)</title>
            <style>\(style)</style></head><body>
            <nav>\(links.joined(separator: " · "))</nav>
            \(body)
            <footer>Written by BoardBench \(BoardBenchVersion.current). Times are per execution; intervals are 95% bootstrap intervals of the median.</footer>
            <script>\(sortScript)</script>
            </body></html>

            """
        return page.markup
    }

    static let style: HTML = """
        body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:1.5rem auto;max-width:76rem;padding:0 1rem;color:#1d2430}
        nav{font-size:.9rem;color:#5b6472;margin-bottom:.75rem} a{color:#1d4ed8}
        h1{font-size:1.5rem;margin:.25rem 0} h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #e3e6ea;padding-bottom:.2rem}
        h3{font-size:1rem;margin:1.25rem 0 .25rem}
        .meta{color:#5b6472} table{border-collapse:collapse;margin:.5rem 0;display:block;overflow-x:auto;max-width:100%}
        th,td{padding:.3rem .6rem;border-bottom:1px solid #e3e6ea;text-align:right;white-space:nowrap;vertical-align:top}
        th:first-child,td:first-child,th.l,td.l{text-align:left} td.wrap,td.l{white-space:normal;overflow-wrap:break-word;text-align:left}
        td:first-child{overflow-wrap:anywhere;white-space:normal;max-width:28rem} td.nw{white-space:nowrap;overflow-wrap:normal}
        th{background:#f5f7f9;font-weight:600} th.sort{cursor:pointer} th.sort:after{content:" ↕";color:#9aa3ad}
        .fail{color:#b42318;font-weight:600} .ok{color:#067647} .muted{color:#5b6472}
        .warn{background:#fff4e5;border-left:4px solid #d97706;padding:.5rem .75rem;margin:.5rem 0}
        .bad{background:#fdecea;border-left:4px solid #b42318;padding:.5rem .75rem;margin:.5rem 0}
        .good{background:#ecfdf3;border-left:4px solid #067647;padding:.5rem .75rem;margin:.5rem 0}
        .tag{display:inline-block;white-space:nowrap;border-radius:3px;padding:0 .35rem;font-size:.8rem;background:#eef2f6}
        .grid{display:flex;flex-wrap:wrap;gap:1rem 2rem;align-items:flex-start}
        .kv th{text-align:left;background:none;font-weight:500;color:#5b6472} .kv td{text-align:left;white-space:normal}
        svg{display:block;max-width:100%;height:auto} code{font-size:.9em}
        td.speed{font-size:.8rem;color:#5b6472} footer{margin-top:3rem;font-size:.8rem;color:#5b6472}
        """

    /// Sorts `table.sortable` by the clicked column. A column is numeric when its header has
    /// `data-num` (every cell then carries `data-v`, empty for a missing value); missing values
    /// and rows without the column (a failed result's one wide cell) always sort last.
    static let sortScript: HTML = """
        document.querySelectorAll("table.sortable").forEach(function(t){var h=t.querySelectorAll("tr")[0];if(!h)return;\
        Array.prototype.forEach.call(h.children,function(th,i){th.classList.add("sort");th.addEventListener("click",function(){\
        var rows=Array.prototype.slice.call(t.querySelectorAll("tr")).slice(1),asc=th.dataset.dir!=="asc",num=th.dataset.num!==undefined;\
        th.dataset.dir=asc?"asc":"desc";function key(r){var c=r.children.length===h.children.length?r.children[i]:null;\
        if(!c)return null;if(!num)return c.textContent;var v=c.dataset.v;return v===undefined||v===""?null:parseFloat(v);}\
        rows.sort(function(a,b){var x=key(a),y=key(b);if(x===null&&y===null)return 0;if(x===null)return 1;if(y===null)return -1;\
        var c=num?x-y:x.localeCompare(y);return asc?c:-c;});rows.forEach(function(r){r.parentNode.appendChild(r);});});});});
        """

    /// A numeric column's header.
    static func numericHeader(_ label: String) -> HTML { "<th data-num>\(label)</th>" }

    /// A numeric cell with no value: sorts last.
    static let missing: HTML = "<td data-v=\"\" class=\"muted\">–</td>"

    /// A two-column fact table.
    static func facts(_ rows: [(String, HTML)]) -> HTML {
        let body: [HTML] = rows.map { "<tr><th>\($0.0)</th><td>\($0.1)</td></tr>" }
        return "<table class=\"kv\">\(body)</table>"
    }

    /// A numeric cell that sorts by its value.
    static func number(_ v: Double, _ text: String, classes: String = "") -> HTML {
        let cls: HTML = classes.isEmpty ? "" : " class=\"\(classes)\""
        return "<td data-v=\"\(fixed(v, 3))\"\(cls)>\(text)</td>"
    }

    /// File names of the pages (device names outside the safe alphabet get a hashed key).
    static func runFile(_ id: Int64) -> String { "run-\(id).html" }
    static func tableFile(_ id: Int64) -> String { "table-\(id).html" }
    static func deviceFile(_ name: String) -> String {
        "device-\(EntityName.isValid(name) ? name : EntityName.fileKey(for: name)).html"
    }
    static let comparisonFile = "compare.html"
    static let indexFile = "index.html"

    static let mainNav: [(String, String)] = [("Index", indexFile), ("Comparison", comparisonFile)]
}
