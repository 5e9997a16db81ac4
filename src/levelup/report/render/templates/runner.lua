-- levelup batch runner for `pandoc lua runner.lua JOBS.json RESULTS.json`.
--
-- One pandoc process handles many small jobs (reading chapters, running citeproc, writing HTML and
-- Typst), which saves the ~60 ms pandoc start-up and citeproc style loading per call. The
-- semantics of the book (cross-references, numbering, embeds, checks) are NOT here: they live in
-- Python (levelup.report.render.transform). This file only does format-specific writing:
--   * citations: citeproc (once for the whole book, op 'cite', when it has a references page;
--     else per chapter), then Cite elements are replaced by their rendered text for Typst;
--   * Typst: callouts become #callout(...), HTML-only blocks are dropped, figure images get
--     width and alt text, ids that occur on several pages are made unique.

local jobs_path, results_path = arg[1], arg[2]
local fh = assert(io.open(jobs_path, 'rb'))
local jobs = pandoc.json.decode(fh:read('a'), false)
fh:close()

local function typst_string(s)
  s = s:gsub('\\', '\\\\'):gsub('"', '\\"'):gsub('\n', '\\n'):gsub('\r', '')
  return '"' .. s .. '"'
end

local function meta_paths(list)
  local out = pandoc.List()
  for _, p in ipairs(list) do out:insert(pandoc.MetaString(p)) end
  return pandoc.MetaList(out)
end

local function run_citeproc(doc, c)
  doc.meta.bibliography = meta_paths(c.bibliography)
  if c.csl and c.csl ~= '' then doc.meta.csl = pandoc.MetaString(c.csl) end
  doc.meta['link-citations'] = true
  doc.meta['link-bibliography'] = true
  doc.meta.lang = pandoc.MetaString(c.lang or 'en-GB')
  return pandoc.utils.citeproc(doc)
end

local function typst_filter(renames)
  local function rename(el)
    if el.identifier and el.identifier ~= '' and renames[el.identifier] then
      el.identifier = renames[el.identifier]
      return el
    end
  end
  local function inline_typst(inlines)
    local out = pandoc.write(pandoc.Pandoc({ pandoc.Plain(inlines) }), 'typst-citations')
    return (out:gsub('%s+$', ''))
  end
  return {
    traverse = 'typewise',
    Cite = function(el) return el.content end,
    Link = function(el)
      local target = el.target
      if target:sub(1, 1) == '#' and renames[target:sub(2)] then
        el.target = '#' .. renames[target:sub(2)]
      end
      if target:match('^lu%-root:/') then
        el.target = target:gsub('^lu%-root:/', '')
      end
      return rename(el) or el
    end,
    Image = function(el)
      el.src = el.src:gsub('^lu%-root:/', '')
      return el
    end,
    Header = rename,
    Span = function(el)
      if el.classes:includes('equation') then
        -- numbered display equation: the equation and its number side by side, labelled
        local num, inner = '', pandoc.List()
        for _, x in ipairs(el.content) do
          if x.t == 'Span' and x.classes:includes('eq-number') then
            num = pandoc.utils.stringify(x)
          elseif x.t ~= 'Space' then
            inner:insert(x)
          end
        end
        local out = pandoc.List({ pandoc.RawInline('typst', '#grid(columns: (1fr, auto), align: horizon, [') })
        out:extend(inner)
        out:insert(pandoc.RawInline('typst', '], [' .. num .. '])' ..
          (el.identifier ~= '' and (' <' .. el.identifier .. '>') or '')))
        return out
      end
      if el.classes:includes('lu-status') then
        -- a status of the report's scale: #lu-status draws its icon and colour (levelup.typ)
        local level = 'not-assessable'
        for _, c in ipairs(el.classes) do
          local m = c:match('^lu%-status%-(.+)$')
          if m then level = m end
        end
        local out = pandoc.List({ pandoc.RawInline('typst', '#lu-status(' .. typst_string(level) .. ')[') })
        out:extend(el.content)
        out:insert(pandoc.RawInline('typst', ']'))
        return out
      end
      return rename(el)
    end,
    Table = function(tbl)
      rename(tbl)
      -- long words with slashes (file paths) may break after each slash, like URLs: a
      -- zero-width space there (levelup.typ's table fit assumes these break opportunities)
      return tbl:walk({
        Str = function(s)
          if #s.text > 20 and s.text:find('/', 1, true) then
            s.text = s.text:gsub('/', '/\u{200B}')
            return s
          end
        end,
      })
    end,
    CodeBlock = rename,
    Code = rename,
    Figure = function(fig)
      rename(fig)
      -- images of a figure: full text width (typst does not shrink them) and alt text
      fig = fig:walk({
        Image = function(img)
          local src = img.src:gsub('^lu%-root:/', '')
          local alt = pandoc.utils.stringify(img.caption)
          local alt_arg = alt ~= '' and (', alt: ' .. typst_string(alt)) or ''
          local width = img.attributes['width']
          if width then
            return pandoc.RawInline('typst', '#image(' .. typst_string(src) .. ', width: ' .. width .. alt_arg .. ')')
          end
          -- natural size (from the PNG's resolution), shrunk to the text width when wider
          return pandoc.RawInline('typst', '#lu-image(' .. typst_string(src) .. alt_arg .. ')')
        end,
      })
      return fig
    end,
    Div = function(div)
      rename(div)
      if div.classes:includes('lu-html-only') then return {} end
      if div.classes:includes('lu-typst-only') then return div.content end
      if div.classes:includes('table-wrap') then return div.content end
      if div.classes:includes('callout') then
        local kind = div.attributes['data-callout'] or 'note'
        local title, body = pandoc.List(), pandoc.List()
        for _, b in ipairs(div.content) do
          if b.t == 'Div' and b.classes:includes('callout-title') then
            for _, tb in ipairs(b.content) do
              if tb.t == 'Plain' or tb.t == 'Para' then title:extend(tb.content) end
            end
          elseif b.t == 'Div' and b.classes:includes('callout-body') then
            body:extend(b.content)
          else
            body:insert(b)
          end
        end
        local out = pandoc.List()
        out:insert(pandoc.RawBlock('typst', '#callout(kind: ' .. typst_string(kind) .. ', title: [' ..
          inline_typst(title) .. '])['))
        out:extend(body)
        out:insert(pandoc.RawBlock('typst', ']'))
        return out
      end
      return div
    end,
  }
end

local results = {}
for _, job in ipairs(jobs) do
  local t0 = os.clock()
  local ok, res = pcall(function()
    if job.op == 'read' then
      local doc = pandoc.read(job.text, job.format or 'markdown')
      return { ast = pandoc.write(doc, 'json') }
    elseif job.op == 'cite' then
      -- the citations of the whole book at once (levelup.report.render.citations)
      local doc = run_citeproc(pandoc.read(job.ast, 'json'), job.citeproc)
      return { ast = pandoc.write(doc, 'json') }
    elseif job.op == 'write' then
      local doc = pandoc.read(job.ast, 'json')
      if job.citeproc then doc = run_citeproc(doc, job.citeproc) end
      local out = {}
      for _, fmt in ipairs(job.formats) do
        if fmt == 'html' then
          local hdoc = doc:walk({
            Div = function(div)
              if div.classes:includes('lu-typst-only') then return {} end
              if div.classes:includes('lu-html-only') then
                div.classes = div.classes:filter(function(c) return c ~= 'lu-html-only' end)
                if #div.classes == 0 and div.identifier == '' then return div.content end
                return div
              end
            end,
          })
          out.html = pandoc.write(hdoc, 'html', {
            html_math_method = 'mathml',
            highlight_method = 'none',
            wrap_text = 'wrap-none',
          })
        elseif fmt == 'typst' then
          local tdoc = doc:walk(typst_filter(job.renames or {}))
          out.typst = pandoc.write(tdoc, 'typst-citations', { wrap_text = 'wrap-none' })
        end
      end
      return out
    else
      error('unknown job op ' .. tostring(job.op))
    end
  end)
  if not ok then res = { error = tostring(res) } end
  res.seconds = os.clock() - t0
  results[job.id] = res
end

local out = assert(io.open(results_path, 'wb'))
out:write(pandoc.json.encode(results))
out:close()
