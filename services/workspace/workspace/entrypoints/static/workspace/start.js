// GOV.UK Frontend's scripts add to pages that already work without them (error summary focus,
// conditional reveals, the menu on small screens).
import { initAll } from '/assets/govuk-frontend.min.js'

initAll()
