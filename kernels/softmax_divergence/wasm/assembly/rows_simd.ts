export {forwardRow, gradientRow, lossAndGradRow, rowAux, rowLse} from './rows_scalar';
