import Foundation
import SaddleCore

extension StudyReport {
  /// The machine a report was made on, as `(name, value)` rows: host, operating system,
  /// processors, memory and SaddleKit's kernel threads.
  public static func machineDescription() -> [(String, String)] {
    let info = ProcessInfo.processInfo
    return [
      ("host", info.hostName),
      ("operating system", info.operatingSystemVersionString),
      ("processors", "\(info.activeProcessorCount) active of \(info.processorCount)"),
      ("memory", String(format: "%.1f GiB", Double(info.physicalMemory) / 1_073_741_824)),
      ("kernel threads", "\(Kernels.threadCount)"),
    ]
  }

  /// One self-contained HTML page: the Markdown report (``markdown(title:)``) as HTML, every
  /// figure inline as SVG, the config, the machine and the commands that reproduce it.
  public func html(
    title: String, config: StudyConfig, figures: [NamedFigure],
    machine: [(String, String)] = StudyReport.machineDescription(), commands: [String]
  ) -> String {
    var body: [String] = []
    body.append(MarkdownHTML.render(markdown(title: title)))
    if !figures.isEmpty {
      body.append("<h2>Figures</h2>")
      for f in figures {
        body.append(
          "<figure id=\"\(htmlEscape(f.name))\">\(f.figure.svg())"
            + "<figcaption>\(htmlEscape(f.name)).svg</figcaption></figure>")
      }
    }
    body.append("<h2>Reproduce</h2>")
    body.append(
      "<pre><code>" + commands.map(htmlEscape).joined(separator: "\n") + "</code></pre>")
    body.append("<h2>Machine</h2>")
    body.append("<table><tbody>")
    for (name, value) in machine {
      body.append("<tr><th>\(htmlEscape(name))</th><td>\(htmlEscape(value))</td></tr>")
    }
    body.append("</tbody></table>")
    body.append("<h2>Config</h2>")
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    let json = (try? encoder.encode(config)).map { String(decoding: $0, as: UTF8.self) } ?? ""
    body.append("<pre><code>\(htmlEscape(json))</code></pre>")
    return """
      <!DOCTYPE html>
      <html lang="en">
      <head>
      <meta charset="utf-8">
      <meta name="viewport" content="width=device-width, initial-scale=1">
      <title>\(htmlEscape(title))</title>
      <style>
      body { font-family: "DejaVu Sans", Helvetica, Arial, sans-serif; margin: 2em auto;
             max-width: 1100px; padding: 0 1em; color: #222; line-height: 1.45; }
      .table-wrap { max-width: 100%; overflow-x: auto; margin: 1em 0; }
      table { border-collapse: collapse; margin: 1em 0; font-size: 0.9em; }
      .table-wrap table { margin: 0; }
      th, td { border: 1px solid #ccc; padding: 0.3em 0.6em; vertical-align: top; }
      td:not(.num) { min-width: 7em; max-width: 24em; overflow-wrap: break-word; }
      thead th { background: #f2f2f2; }
      td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
      tbody th { text-align: left; background: #fafafa; }
      figure { margin: 1.5em 0; }
      figure svg { max-width: 100%; height: auto; border: 1px solid #eee; }
      figcaption { font-size: 0.8em; color: #666; }
      pre { background: #f6f6f6; padding: 0.8em; overflow-x: auto; font-size: 0.85em; }
      code { font-family: "DejaVu Sans Mono", Menlo, monospace; }
      </style>
      </head>
      <body>
      \(body.joined(separator: "\n"))
      </body>
      </html>

      """
  }

  /// Writes every figure (``figures(config:timings:)``, with the timings of
  /// `directory/timing/`) and `report.html` into the study `directory`.
  public func writeFiguresAndPage(
    config: StudyConfig, to directory: URL, title: String, commands: [String],
    machine: [(String, String)] = StudyReport.machineDescription()
  ) throws {
    let figures = figures(config: config, timings: try TimingTable.read(directory))
    for f in figures {
      try FileOutput.write(
        Data(f.figure.svg().utf8), to: directory.appendingPathComponent(f.name + ".svg").path)
    }
    let page = html(
      title: title, config: config, figures: figures, machine: machine, commands: commands)
    try FileOutput.write(Data(page.utf8), to: directory.appendingPathComponent("report.html").path)
  }
}

/// `text` escaped for HTML.
func htmlEscape(_ text: String) -> String { xml(text) }

/// The Markdown the reports use, as HTML: ATX headings, pipe tables (with `---:` right
/// alignment), bullet lists, fenced code, paragraphs; inline code, bold and emphasis.
enum MarkdownHTML {
  static func render(_ markdown: String) -> String {
    var out: [String] = []
    var paragraph: [String] = []
    var list: [String] = []
    var table: [[String]] = []
    var alignments: [Bool] = []
    var code: [String]?
    func flush() {
      if !paragraph.isEmpty {
        out.append("<p>" + inline(paragraph.joined(separator: " ")) + "</p>")
        paragraph = []
      }
      if !list.isEmpty {
        out.append("<ul>" + list.map { "<li>\(inline($0))</li>" }.joined() + "</ul>")
        list = []
      }
      if !table.isEmpty {
        var html = "<table><thead><tr>"
        html += table[0].map { "<th>\(inline($0))</th>" }.joined() + "</tr></thead><tbody>"
        for row in table.dropFirst() {
          html += "<tr>"
          for (i, cell) in row.enumerated() {
            let right = i < alignments.count && alignments[i]
            html += right ? "<td class=\"num\">\(inline(cell))</td>" : "<td>\(inline(cell))</td>"
          }
          html += "</tr>"
        }
        out.append("<div class=\"table-wrap\">" + html + "</tbody></table></div>")
        table = []
        alignments = []
      }
    }
    for raw in markdown.components(separatedBy: "\n") {
      let line = raw.trimmingCharacters(in: .whitespaces)
      if var lines = code {
        if line.hasPrefix("```") {
          out.append(
            "<pre><code>" + lines.map(htmlEscape).joined(separator: "\n") + "</code></pre>")
          code = nil
        } else {
          lines.append(raw)
          code = lines
        }
        continue
      }
      if line.hasPrefix("```") {
        flush()
        code = []
      } else if line.isEmpty {
        flush()
      } else if line.hasPrefix("#") {
        flush()
        let level = Swift.min(6, line.prefix { $0 == "#" }.count)
        let text = line.drop { $0 == "#" }.trimmingCharacters(in: .whitespaces)
        out.append("<h\(level)>\(inline(text))</h\(level)>")
      } else if line.hasPrefix("|") {
        if !paragraph.isEmpty || !list.isEmpty {
          let saved = table
          table = []
          flush()
          table = saved
        }
        let cells = splitRow(line)
        if cells.allSatisfy({ $0.allSatisfy { "-:".contains($0) } && !$0.isEmpty }) {
          alignments = cells.map { $0.hasSuffix(":") }
        } else {
          table.append(cells)
        }
      } else if line.hasPrefix("- ") || line.hasPrefix("* ") {
        if !paragraph.isEmpty || !table.isEmpty { flush() }
        list.append(String(line.dropFirst(2)))
      } else {
        if !list.isEmpty || !table.isEmpty { flush() }
        paragraph.append(line)
      }
    }
    if let lines = code {
      out.append("<pre><code>" + lines.map(htmlEscape).joined(separator: "\n") + "</code></pre>")
    }
    flush()
    return out.joined(separator: "\n")
  }

  static func splitRow(_ line: String) -> [String] {
    var body = Substring(line)
    if body.hasPrefix("|") { body = body.dropFirst() }
    if body.hasSuffix("|") { body = body.dropLast() }
    return body.split(separator: "|", omittingEmptySubsequences: false).map {
      $0.trimmingCharacters(in: .whitespaces)
    }
  }

  /// Inline code, then bold and emphasis, on escaped text.
  static func inline(_ text: String) -> String {
    var out = ""
    var inCode = false
    for (i, part) in text.components(separatedBy: "`").enumerated() {
      if i > 0 { inCode.toggle() }
      if inCode {
        out += "<code>\(htmlEscape(part))</code>"
      } else {
        var s = htmlEscape(part)
        s = replacePairs(s, marker: "**", open: "<strong>", close: "</strong>")
        out += s
      }
    }
    return out
  }

  static func replacePairs(_ s: String, marker: String, open: String, close: String) -> String {
    let parts = s.components(separatedBy: marker)
    guard parts.count >= 3 else { return s }
    var out = ""
    for (i, part) in parts.enumerated() {
      if i == 0 {
        out += part
      } else if i % 2 == 1 && i + 1 < parts.count {
        out += open + part
      } else if i % 2 == 0 {
        out += close + part
      } else {
        out += marker + part
      }
    }
    return out
  }
}
