import { LabIcon } from '@jupyterlab/ui-components';

const PROV_SVG = `<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 16 16"><g class="jp-icon3" fill="#616161">
<circle cx="3" cy="3" r="2"/><circle cx="3" cy="13" r="2"/><rect x="10" y="6" width="5" height="4" rx="1"/>
<path d="M4.6 3.8 10 7.2l-.5.9L4.1 4.7zM4.1 11.3l5.4-3.4.5.9-5.4 3.4z"/></g></svg>`;
const ARCHIVE_SVG = `<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 16 16"><g class="jp-icon3" fill="#7d3c98">
<path d="M2 1h9l3 3v11H2zm1 1v12h10V5h-3V2z"/><circle cx="6" cy="7" r="1.3"/><circle cx="6" cy="12" r="1.3"/>
<rect x="9" y="8.6" width="3" height="2.2" rx=".4"/><path d="M6.8 7.5 9.3 9.3l-.4.6-2.5-1.8zM6.4 11.4l2.5-1.8.4.6-2.5 1.8z"/></g></svg>`;

export const provIcon = new LabIcon({ name: 'jupyter-prov:provenance', svgstr: PROV_SVG });
export const archiveIcon = new LabIcon({ name: 'jupyter-prov:archive', svgstr: ARCHIVE_SVG });
