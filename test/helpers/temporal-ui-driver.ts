// Drives the Temporal Web UI (the build the Temporal CLI 1.5.1 dev server ships, UI 2.42.1) the way an operator does:
// workflow page → "More Actions" → "Send an Update" / "Send a Signal", the Queries tab, the workflow list's query.
// Selectors are roles and visible text from the UI's real DOM; every wait is on a state the page reaches.
import type { Locator, Page } from 'playwright-core';
import { workflowUiUrl } from '../../domain/temporal-ui';

export const CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'];

export class TemporalUi {
  constructor(readonly page: Page, readonly base: string, readonly namespace: string) {}

  /** Opens a workflow's page (the latest run) and waits for its heading. */
  async openWorkflow(workflowId: string): Promise<void> {
    await this.page.goto(workflowUiUrl(this.base, this.namespace, workflowId));
    await this.waitForWorkflowPage(workflowId);
  }

  async waitForWorkflowPage(workflowId: string, page: Page = this.page): Promise<void> {
    await page.getByRole('heading', { level: 1, name: workflowId }).waitFor();
    // The message definitions come from the worker (__temporal_workflow_metadata): the menu needs them loaded.
    await page.getByRole('button', { name: 'More Actions' }).waitFor();
  }

  /** The modal dialog with this title. The UI renders its modals twice (one set closed): pick the open one. */
  dialog(title: 'Send an Update' | 'Send a Signal'): Locator {
    return this.page.getByRole('dialog').filter({ has: this.page.getByRole('heading', { name: title }) });
  }

  /** More Actions → item; returns the dialog it opens. */
  async openAction(item: 'Send an Update' | 'Send a Signal'): Promise<Locator> {
    await this.page.getByRole('button', { name: 'More Actions' }).click();
    await this.page.getByRole('menuitem', { name: item }).click();
    const dialog = this.dialog(item);
    await dialog.waitFor();
    return dialog;
  }

  /**
   * Chooses the message by name (the dropdown lists each with its description) and pastes the JSON text into the
   * editor, as an operator does. Nothing else: the editor re-formats its JSON when it loses focus, and when that
   * changes the text the dialog grows under the pointer and the first click on Submit is lost. The documented JSON is
   * already in the editor's format, so pasting it and clicking Submit once works; this keeps that claim tested.
   */
  async fill(dialog: Locator, messageName: string, json: string): Promise<void> {
    await dialog.getByRole('button', { name: /^Select an? (Update|signal)$/i }).click();
    await dialog.getByRole('option', { name: new RegExp(`^${messageName}\\b`) }).click();
    await dialog.getByRole('button', { name: messageName, exact: true }).waitFor();
    const editor = this.payloadEditor(dialog);
    await editor.click();
    await this.page.keyboard.insertText(json);
    await this.page.waitForFunction(
      ([el, want]) => (el as unknown as { innerText: string }).innerText.trim() === want,
      [await editor.elementHandle(), json] as const,
    );
  }

  /** The JSON editor of a dialog (CodeMirror: an editable element with the textbox role). */
  payloadEditor(scope: Locator): Locator {
    return scope.getByRole('textbox').and(scope.locator('[contenteditable="true"]'));
  }

  async submit(dialog: Locator): Promise<void> {
    await dialog.getByRole('button', { name: 'Submit' }).click();
  }

  /**
   * Queries tab → query → Run Query. Returns what the result panel shows (its top lines: the editor renders only what
   * is in view) and the whole result as its copy button copies it (the page needs clipboard permissions).
   */
  async runQuery(queryType: string): Promise<{ shown: string; copied: string }> {
    await this.page.getByRole('tab', { name: 'Queries' }).click();
    await this.page.getByRole('button', { name: queryType, exact: true }).waitFor();
    await this.page.getByRole('button', { name: 'Run Query' }).click();
    // The result is a read-only editor; it fills once the worker has answered.
    const result = this.page.getByRole('textbox').and(this.page.locator('[aria-readonly="true"]'));
    await result.filter({ hasText: '"workflowId"' }).waitFor();
    const shown = await result.innerText();
    const copy = this.page.getByRole('button', { name: 'Click to copy content' });
    const panel = this.page.locator('div').filter({ has: result }).filter({ has: copy }).last();
    await panel.getByRole('button', { name: 'Click to copy content' }).click();
    const copied = (await this.page.evaluate('navigator.clipboard.readText()')) as string;
    return { shown, copied };
  }

  /** The workflow list with its raw query box open (the "View raw query" toggle next to "Add Filter"). */
  async openListSearch(): Promise<void> {
    await this.page.goto(`${this.base}/namespaces/${encodeURIComponent(this.namespace)}/workflows`);
    await this.page.getByTestId('toggle-manual-query').click();
    await this.page.getByRole('search').getByRole('searchbox', { name: 'Enter a query' }).waitFor();
  }

  /** Pastes a query into the list's search box and runs it; waits until the list shows exactly `expectedIds`. */
  async search(query: string, expectedIds: string[]): Promise<void> {
    const search = this.page.getByRole('search');
    await search.getByRole('searchbox', { name: 'Enter a query' }).fill(query);
    await search.getByRole('button', { name: 'Search' }).click();
    const n = expectedIds.length;
    await this.page.getByRole('heading', { level: 1, name: new RegExp(`^${n} Workflows?$`) }).waitFor();
    for (const id of expectedIds) await this.workflowLink(id).waitFor();
  }

  /** The workflow ids the list shows. */
  async listedIds(): Promise<string[]> {
    const table = this.page.getByRole('table', { name: 'Workflows' });
    const ids = await table.getByRole('link').allInnerTexts();
    return ids.filter((t) => t.startsWith('threat/')).sort();
  }

  workflowLink(workflowId: string): Locator {
    return this.page.getByRole('link', { name: workflowId, exact: true });
  }
}
