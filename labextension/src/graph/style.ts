export const CSS = `
.jprov-graph { font-family: var(--jp-ui-font-family, Helvetica, Arial, sans-serif); font-size: 12px; border: 1px solid #d5d8dc; border-radius: 4px; }
.jprov-toolbar { display: flex; flex-wrap: wrap; gap: 4px; align-items: center; padding: 4px; background: #f8f9f9; border-bottom: 1px solid #d5d8dc; }
.jprov-search { flex: 1 1 180px; min-width: 120px; font-size: 12px; padding: 2px 4px; }
.jprov-button { font-size: 11px; padding: 2px 6px; cursor: pointer; }
.jprov-status { color: #566573; margin-left: auto; }
.jprov-crumbs a { color: #2471a3; text-decoration: none; }
.jprov-body { display: flex; }
.jprov-cy { flex: 1 1 auto; min-width: 0; background: #fff; }
.jprov-details { flex: 0 0 300px; max-height: 600px; overflow: auto; padding: 6px; border-left: 1px solid #d5d8dc; background: #fdfefe; }
.jprov-details pre { white-space: pre-wrap; word-break: break-word; font-size: 11px; margin: 2px 0; max-height: 260px; overflow: auto; }
.jprov-details h4 { margin: 2px 0; }
.jprov-uuid { font-family: monospace; font-size: 10px; color: #566573; }
.jprov-actions { display: flex; flex-wrap: wrap; gap: 3px; margin: 4px 0; }
.jprov-section summary { font-weight: bold; cursor: pointer; margin-top: 4px; }
.jprov-section ul { margin: 2px 0; padding-left: 14px; }
.jprov-banner { padding: 6px; background: #fef9e7; border-bottom: 1px solid #f7dc6f; }
.jprov-hint { color: #7f8c8d; }
`;
